import { test } from 'node:test'
import assert from 'node:assert/strict'
import { tableDirectoryName } from '../../src/lib/format/table-directory.js'
import { pendingFileName, pendingSequence, sortedPendingFiles } from '../../src/lib/format/table-directory.js'

test('table directory names: characters outside [A-Za-z0-9_-] become _, empty becomes _', () => {
  assert.equal(tableDirectoryName('otel_logs'), 'otel_logs')
  assert.equal(tableDirectoryName('Otel-Traces_2'), 'Otel-Traces_2')
  assert.equal(tableDirectoryName('a.b/c d'), 'a_b_c_d')
  assert.equal(tableDirectoryName('../etc'), '___etc')
  assert.equal(tableDirectoryName('métriques'), 'm_triques')
  assert.equal(tableDirectoryName(''), '_')
})

test('pending file names: six digits, wider past 999999; any run of digits is read, as the exporter reads it; ordered numerically', () => {
  assert.equal(pendingFileName(1), 'pending-000001.ipc')
  assert.equal(pendingFileName(1_000_000), 'pending-1000000.ipc')
  assert.equal(pendingSequence('pending-000042.ipc'), 42)
  assert.equal(pendingSequence('pending-42.ipc'), 42)
  assert.equal(pendingSequence('pending-.ipc'), undefined)
  assert.equal(pendingSequence('pending-4a.ipc'), undefined)
  assert.equal(pendingSequence('active.ipc'), undefined)
  assert.equal(pendingSequence('pending-000042.ipc.tmp'), undefined)
  assert.deepEqual(
    sortedPendingFiles(['pending-1000000.ipc', 'x', 'pending-999999.ipc', 'pending-000002.ipc', 'pending-3.ipc']).map((p) => p.sequence),
    [2, 3, 999999, 1000000],
  )
})
