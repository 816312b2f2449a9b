import { test } from 'node:test'
import assert from 'node:assert/strict'
import { commitParts, partCutter } from '../../src/lib/replay/commit-parts.js'

const files = (count: number, bytes = 100) => Array.from({ length: count }, (_, i) => ({ name: `f${i}`, bytes }))
const sizes = (parts: readonly (readonly unknown[])[]) => parts.map((part) => part.length)

test('a drain is cut into parts of whole files up to the part size; a file larger than a part is a part of its own', () => {
  assert.deepEqual(sizes(commitParts(files(10), 300)), [3, 3, 3, 1])
  assert.deepEqual(sizes(commitParts([...files(2), { name: 'big', bytes: 1000 }, ...files(2)], 300)), [2, 1, 2])
  assert.deepEqual(sizes(commitParts(files(0), 300)), [])
})

test('what is left after the last full part joins it when it is at most a sixteenth of a part, and only then', () => {
  // 16 files fill a part of 1,600 bytes: one more (1/16 of a part) joins it, two more make a part.
  assert.deepEqual(sizes(commitParts(files(17), 1600)), [17])
  assert.deepEqual(sizes(commitParts(files(18), 1600)), [16, 2])
  assert.deepEqual(sizes(commitParts(files(33), 1600)), [16, 17])
  // Told files one at a time without the drain's size (inspection), the cutter cuts by the part size alone.
  const opens = partCutter(1600)
  assert.deepEqual(
    files(17).map((file) => opens(file.bytes)),
    [true, ...Array<boolean>(15).fill(false), true],
  )
})
