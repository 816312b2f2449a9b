/** BytesMemo computes once per distinct bytes, also when the caller reuses its buffer for other bytes. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BytesMemo } from '../../src/lib/format/bytes-memo.js'

test('a value is computed once for each distinct bytes, whatever buffer they come in', () => {
  const memo = new BytesMemo<string>()
  const computed: string[] = []
  const compute = (bytes: Uint8Array) => {
    const text = Buffer.from(bytes).toString()
    computed.push(text)
    return `value of ${text}`
  }
  // One scratch buffer, refilled between calls, as a planner's is.
  const scratch = new Uint8Array(8)
  const ask = (text: string) => {
    scratch.set(Buffer.from(text.padEnd(8)))
    return memo.of(scratch, compute)
  }
  assert.equal(ask('schema-a'), 'value of schema-a')
  assert.equal(ask('schema-a'), 'value of schema-a')
  assert.equal(ask('schema-b'), 'value of schema-b')
  assert.equal(ask('schema-a'), 'value of schema-a')
  assert.equal(ask('schema-b'), 'value of schema-b')
  assert.equal(memo.of(Buffer.from('schema'), compute), 'value of schema')
  assert.deepEqual(computed, ['schema-a', 'schema-b', 'schema'])
})
