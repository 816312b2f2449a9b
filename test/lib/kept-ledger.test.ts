/**
 * The kept ledger is written a commit at a time, but the file is exactly the ledger's JSON: a later
 * run reads back every commit as written, and a ledger left with no commits is removed.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readKeptLedger, writeKeptLedger, type KeptCommit, type KeptLedger } from '../../src/lib/replay/kept-ledger.js'
import { KEPT_LEDGER_FILE } from '../../src/lib/format/table-directory.js'
import { tempDir } from '../helpers/fs.js'

function commit(part: number, files: number): KeptCommit {
  return {
    drain: part.toString(16).padStart(32, '0'),
    out: '/srv/parquet',
    files: Array.from({ length: files }, (_, i) => ({
      name: `pending-${String(part * 1000 + i + 1).padStart(6, '0')}.ipc`,
      bytes: 100 + i,
      mtimeMs: 1_764_000_000_000.25 + i,
      quarantine: i === 1,
    })),
    outputs: [{ path: `otel_logs/data/0000000${part}-0000-8000-8000-000000000000.parquet`, rows: 200 * files, bytes: 4096 }],
  }
}

test('kept ledger: written a commit at a time, the file is the JSON of the whole ledger and reads back as written', async (t) => {
  const directory = await tempDir(t)
  const ledger: KeptLedger = { version: 3, table: 'otel_logs', kept: [commit(1, 3), commit(2, 1), commit(3, 2)] }
  await writeKeptLedger(directory, ledger)
  assert.equal(await readFile(join(directory, KEPT_LEDGER_FILE), 'utf8'), JSON.stringify(ledger))
  assert.deepEqual(await readKeptLedger(directory, 'otel_logs'), ledger)

  const one: KeptLedger = { ...ledger, kept: [commit(4, 2)] }
  await writeKeptLedger(directory, one)
  assert.deepEqual(await readKeptLedger(directory, 'otel_logs'), one)

  await writeKeptLedger(directory, { ...ledger, kept: [] })
  assert.deepEqual(await readdir(directory), [])
})
