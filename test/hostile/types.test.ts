/**
 * Every Arrow type, as valid streams: each is carried to Parquet with every row (read back by
 * hyparquet) or kept whole and reported as unsupported by name — never lost, never called damaged,
 * never the end of the process without a message — and a good sibling file always drains.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Table, tableToIPC } from 'apache-arrow'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'
import { readParquetRows } from '../helpers/spill.js'
import { typeCorpus } from '../helpers/type-corpus.js'
import { generalBatch } from '../fixtures/general-data.js'
import type { ReplayReport } from '../../src/lib/replay/index.js'
import type { StatusReport } from '../../src/lib/inspect/index.js'

test('every Arrow type: written with every row, or kept in quarantine/ and reported as unsupported by name; the sibling drains', async (t) => {
  const corpus = await typeCorpus()
  const work = await tempDir(t)
  const root = join(work, 'spill')
  const out = join(work, 'out')
  const sibling = tableToIPC(new Table([generalBatch('app_logs', 0, 10)]), 'stream')
  // One table per type in one spill root: one status and one recover cover the whole corpus.
  const tableOf = (index: number) => `typed_${String(index).padStart(2, '0')}`
  for (const [index, entry] of corpus.entries()) {
    await mkdir(join(root, tableOf(index)), { recursive: true })
    await writeFile(join(root, tableOf(index), 'pending-000001.ipc'), sibling)
    await writeFile(join(root, tableOf(index), 'pending-000002.ipc'), entry.bytes)
  }

  const status = await runCli(['status', '--path', root, '--json'])
  assert.ok([0, 1].includes(status.code), `status exit ${status.code}: ${status.stderr}`)
  const statuses = (JSON.parse(status.stdout) as StatusReport).tables
  const result = await runCli(['recover', '--path', root, '--out', out, '--granularity', 'none', '--json'])
  assert.equal(result.code, 0, result.stderr)
  const replayedTables = (JSON.parse(result.stdout) as ReplayReport).tables

  const summary = { written: 0, unsupported: 0 }
  for (const [index, entry] of corpus.entries()) {
    const label = entry.name
    const name = tableOf(index)
    const table = statuses.find((candidate) => candidate.table === name)!
    const replayed = replayedTables.find((candidate) => candidate.table === name)!
    assert.deepEqual(table.damage, [], `${label}: valid Arrow is never called damaged`)
    assert.deepEqual(replayed.salvaged, [], `${label}: nothing salvaged — it is not damaged`)
    if (entry.expect === 'write') {
      assert.equal(replayed.rows, 10 + entry.rows, `${label}: every row`)
      const rows = (await readParquetRows(join(out, name))).length
      assert.equal(rows, 10 + entry.rows, `${label}: an independent reader sees every row`)
      summary.written++
    } else {
      assert.equal(replayed.rows, 10, `${label}: the sibling's rows are written`)
      assert.equal(replayed.quarantined.length, 1, `${label}: the unsupported file is kept`)
      assert.match(replayed.quarantined[0]!.reason, entry.expect.unsupported)
      assert.deepEqual(new Uint8Array(await readFile(join(root, name, 'quarantine', 'pending-000002.ipc'))), new Uint8Array(entry.bytes), `${label}: kept byte for byte`)
      assert.match(table.unsupportedFiles[0]?.reason ?? '', entry.expect.unsupported, `${label}: status names it`)
      // ingest refuses it with the same words (exit 2), appending nothing.
      const input = join(work, `input-${index}.arrows`)
      await writeFile(input, entry.bytes)
      const ingested = await runCli(['ingest', 'my_table', input, '--path', join(work, `ingest-${index}`)])
      assert.equal(ingested.code, 2, `${label}: ${ingested.stderr}`)
      assert.match(ingested.stderr, entry.expect.unsupported)
      summary.unsupported++
    }
  }
  t.diagnostic(`${corpus.length} types: ${summary.written} written, ${summary.unsupported} refused as unsupported`)
})

test('flush refuses a table with an unsupported type by name (exit 1) and leaves it as it was; the other tables drain', async (t) => {
  const corpus = await typeCorpus()
  const entry = corpus.find((candidate) => candidate.name === 'Interval<MONTH_DAY_NANO>')!
  const work = await tempDir(t)
  const root = join(work, 'spill')
  await mkdir(join(root, 'typed'), { recursive: true })
  await mkdir(join(root, 'app_logs'), { recursive: true })
  await writeFile(join(root, 'typed', 'pending-000001.ipc'), entry.bytes)
  await writeFile(join(root, 'app_logs', 'pending-000001.ipc'), tableToIPC(new Table([generalBatch('app_logs', 0, 10)]), 'stream'))
  const result = await runCli(['flush', '--path', root, '--out', join(work, 'out'), '--granularity', 'none', '--json'])
  assert.equal(result.code, 1)
  const report = JSON.parse(result.stdout) as ReplayReport
  const typed = report.tables.find((table) => table.table === 'typed')!
  assert.equal(typed.error?.code, 'UNSUPPORTED_TYPE')
  assert.match(typed.error.message, /unsupported type Interval<MONTH_DAY_NANO> in column c/)
  assert.deepEqual(new Uint8Array(await readFile(join(root, 'typed', 'pending-000001.ipc'))), new Uint8Array(entry.bytes))
  assert.equal(report.tables.find((table) => table.table === 'app_logs')!.rows, 10)
})
