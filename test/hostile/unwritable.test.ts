/**
 * Data the reader accepts but the Parquet writer will not take whole: the drain is undone, the
 * file to blame is named; recover keeps it in quarantine/ and writes the rest, flush refuses the
 * table and changes nothing.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'
import { victim } from '../helpers/hostile.js'
import { readParquetRows, snapshot } from '../helpers/spill.js'
import { typeCorpus } from '../helpers/type-corpus.js'
import type { ReplayReport } from '../../src/lib/replay/index.js'

/**
 * The damage the mutation fuzz found (seed 20261126, case 608): eight bytes of the schema message
 * overwritten where apache-arrow reads nothing it uses, so the file decodes as before, while
 * arrow-rs, inside the Parquet writer, reads another schema and drops the file's rows.
 */
function schemaDamagedUnseen(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice()
  copy.set([0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x00], 145)
  return copy
}

async function spillWith(t: Parameters<typeof tempDir>[0]): Promise<{ root: string; out: string; good: Uint8Array; bad: Uint8Array; rows: number }> {
  const entry = (await typeCorpus()).find((candidate) => candidate.name === 'List<Dictionary<Int32, Utf8>>')!
  const work = await tempDir(t)
  const root = join(work, 'spill')
  await mkdir(join(root, 'lists'), { recursive: true })
  const bad = schemaDamagedUnseen(entry.bytes)
  await writeFile(join(root, 'lists', '.lock'), '')
  await writeFile(join(root, 'lists', 'pending-000001.ipc'), entry.bytes)
  await writeFile(join(root, 'lists', 'pending-000002.ipc'), bad)
  return { root, out: join(work, 'out'), good: entry.bytes, bad, rows: entry.rows }
}

test('recover names the file the Parquet writer cannot take, keeps it byte for byte in quarantine/, and writes the rest', async (t) => {
  const { root, out, bad, rows } = await spillWith(t)
  const target = await victim(t)
  const result = await runCli(['recover', '--path', root, '--out', out, '--granularity', 'none', '--json'])
  assert.equal(result.code, 0, result.stderr)
  const table = (JSON.parse(result.stdout) as ReplayReport).tables[0]!
  assert.equal(table.rows, rows, 'the good file is written')
  assert.deepEqual(
    table.quarantined.map((note) => note.file),
    ['pending-000002.ipc'],
  )
  assert.match(table.quarantined[0]!.reason, /the Parquet writer could not take its rows/)
  assert.deepEqual(new Uint8Array(await readFile(join(root, 'lists', 'quarantine', 'pending-000002.ipc'))), bad)
  assert.equal((await readParquetRows(join(out, 'lists'))).length, rows, 'an independent reader sees every row of the good file')
  await target.unchanged()
})

test('flush refuses such a table (exit 1, UNWRITABLE_DATA naming the file) and leaves it as it was', async (t) => {
  const { root, out } = await spillWith(t)
  const before = await snapshot(join(root, 'lists'))
  const result = await runCli(['flush', '--path', root, '--out', out, '--granularity', 'none', '--json'])
  assert.equal(result.code, 1)
  const table = (JSON.parse(result.stdout) as ReplayReport).tables[0]!
  assert.equal(table.error?.code, 'UNWRITABLE_DATA')
  assert.match(table.error.message, /pending-000002\.ipc/)
  assert.deepEqual(await snapshot(join(root, 'lists')), before, 'nothing changed')
})
