/**
 * Every Arrow file another implementation writes, through bufctl, into Parquet every reader reads.
 * The corpora are written at test time by pyarrow (Arrow C++) and arrow-go (the exporter's own
 * Arrow library): every column type they write, plain, LZ4- and ZSTD-compressed, sliced, with empty
 * batches; nested dictionaries as Arrow's integration tests nest them; big-endian copies. Each
 * stream becomes a table of one spill root and goes through recover, flush, recover --keep then
 * recover, ingest and cat. What bufctl writes must be read back by pyarrow (every value, once its
 * dictionaries are decoded), DuckDB, nodejs-polars and hyparquet (every row); what it cannot
 * write faithfully for all of them it refuses by name, and no run leaves a held file, a journal
 * or a temporary output behind.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { copyFile, cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'
import { loadPolars } from '../helpers/polars.js'
import { arrowGoCorpus, pyarrowCheck, pyarrowCorpus, type CorpusFile } from '../helpers/peers.js'
import { bigEndianStream } from '../helpers/big-endian.js'
import { filesUnder } from '../helpers/spill.js'
import { typeCorpus } from '../helpers/type-corpus.js'
import type { ReplayReport, TableReplayReport } from '../../src/lib/replay/index.js'

/** What bufctl must do with a type: write it (every reader reads it), or refuse it with these words. */
const REFUSED: Readonly<Record<string, RegExp>> = {
  sparse_union: /unsupported type Union in column c/,
  dense_union: /unsupported type Union in column c/,
  run_end_encoded: /unsupported type RunEndEncoded in column c/,
  list_view_int32: /unsupported type ListView in column c/,
  large_list_view_int32: /unsupported type LargeListView in column c/,
  interval_month_day_nano: /unsupported type Interval<MONTH_DAY_NANO> in column c/,
  interval_months: /unsupported type Interval<YEAR_MONTH> in column c/,
  interval_day_time: /unsupported type Interval<DAY_TIME> in column c/,
  decimal256: /unsupported type Decimal<60, 5> \(more than 38 digits\) in column c/,
  duplicate_names: /two columns named ints/,
}

interface Case extends CorpusFile {
  readonly writer: string
  /** The table the stream becomes (one pending file). */
  readonly table: string
  /** The stream whose values the outputs must hold: the file itself, or for a big-endian copy its little-endian original. */
  readonly reference: string
  /** The words bufctl refuses it with; absent: it writes every row. */
  readonly refused?: RegExp
}

async function corpus(t: Parameters<typeof tempDir>[0]): Promise<Case[]> {
  const work = await tempDir(t, 'bufctl-corpus-')
  const [pyarrow, arrowGo] = await Promise.all([pyarrowCorpus(join(work, 'pyarrow')), arrowGoCorpus(join(work, 'arrow-go'))])
  const cases: Case[] = []
  for (const [writer, files] of [
    ['pyarrow', pyarrow],
    ['arrowgo', arrowGo],
  ] as const) {
    for (const file of files.filter((entry) => entry.variant !== 'exporter')) {
      cases.push({ ...file, writer, table: `${writer}__${file.variant}__${file.name}`, reference: file.file, refused: REFUSED[file.name] })
    }
  }
  // Big-endian copies of every plain stream bufctl writes, made from pyarrow's.
  for (const file of pyarrow.filter((entry) => entry.variant === 'plain' && !REFUSED[entry.name])) {
    const path = join(work, 'big-endian', `${file.name}.arrows`)
    await mkdir(join(work, 'big-endian'), { recursive: true })
    await writeFile(path, await bigEndianStream(await readFile(file.file)))
    cases.push({ ...file, variant: 'big-endian', file: path, writer: 'pyarrow', table: `pyarrow__big-endian__${file.name}`, reference: file.file })
  }
  // apache-arrow's (JavaScript) streams, with hand-written flatbuffers for what it does not write.
  for (const [index, entry] of (await typeCorpus()).entries()) {
    const path = join(work, 'apache-arrow', `${index}.arrows`)
    await mkdir(join(work, 'apache-arrow'), { recursive: true })
    await writeFile(path, entry.bytes)
    const refused = entry.expect === 'write' ? undefined : entry.expect.unsupported
    cases.push({ name: entry.name, variant: 'plain', file: path, rows: entry.rows, writer: 'apache-arrow', table: `apache-arrow__${index}`, reference: path, refused })
  }
  return cases
}

/** A spill root with one table per case, its stream as the table's only pending file. */
async function spill(t: Parameters<typeof tempDir>[0], cases: readonly Case[]): Promise<string> {
  const root = await tempDir(t, 'bufctl-corpus-spill-')
  for (const entry of cases) {
    await mkdir(join(root, entry.table))
    await copyFile(entry.file, join(root, entry.table, 'pending-000001.ipc'))
  }
  return root
}

async function report(args: readonly string[]): Promise<{ code: number; report: ReplayReport; stderr: string }> {
  const run = await runCli([...args, '--json'], { timeoutMs: 10 * 60_000 })
  return { code: run.code, report: JSON.parse(run.stdout) as ReplayReport, stderr: run.stderr }
}

/** Nothing a run leaves half-done: no held file, no journal, no temporary file or output. */
async function assertNothingLeft(root: string, out: string, label: string): Promise<void> {
  const spilled = await filesUnder(root)
  assert.deepEqual(
    spilled.filter((file) => /bufctl-held-|bufctl-commit\.json|\.tmp$/.test(file)),
    [],
    `${label}: nothing held, journaled or half-written in the spill root`,
  )
  assert.deepEqual(
    (await filesUnder(out)).filter((file) => file.endsWith('.tmp')),
    [],
    `${label}: no temporary output`,
  )
}

/** The outputs of each table, by table. */
function outputsOf(tables: readonly TableReplayReport[]): Map<string, string[]> {
  return new Map(tables.map((table) => [table.table, table.outputs.map((output) => output.path)]))
}

test(
  'every valid Arrow stream pyarrow and arrow-go write is recovered into Parquet that pyarrow, DuckDB, polars and hyparquet read, or refused by name',
  { timeout: 20 * 60_000 },
  async (t) => {
    const cases = await corpus(t)
    assert.ok(cases.length > 300, `${cases.length} streams`)
    const root = await spill(t, cases)
    const out = await tempDir(t)
    const run = await report(['recover', '--path', root, '--out', out, '--granularity', 'none'])
    assert.equal(run.code, 0, run.stderr)
    await assertNothingLeft(root, out, 'recover')
    const tables = new Map(run.report.tables.map((table) => [table.table, table]))
    const written: Case[] = []
    for (const entry of cases) {
      const table = tables.get(entry.table)!
      const refused = entry.refused
      if (refused) {
        assert.equal(table.rows, 0, `${entry.table}: refused, not written`)
        assert.match(table.quarantined.map((note) => note.reason).join('; '), refused, `${entry.table}: refused by name`)
        continue
      }
      assert.deepEqual(
        [table.status, table.rows, table.quarantined, table.salvaged],
        [entry.rows > 0 ? 'done' : 'empty', entry.rows, [], []],
        `${entry.table}: every row written, nothing called damage`,
      )
      if (entry.rows > 0) written.push(entry)
    }

    // pyarrow: every value, in order.
    const outputs = outputsOf(run.report.tables)
    const verdicts = await pyarrowCheck(
      out,
      written.map((entry) => ({ id: entry.table, source: entry.reference, rows: entry.rows, outputs: outputs.get(entry.table)! })),
    )
    const wrong = verdicts.filter((verdict) => !verdict.ok).map((verdict) => `${verdict.id}: ${verdict.problem}`)
    assert.deepEqual(wrong, [], 'pyarrow reads every value back')

    // DuckDB, polars and hyparquet: every file opens, every row is there.
    const polars = loadPolars() as ReturnType<typeof loadPolars> & { readParquet(path: string): { height: number } }
    const duckdb = await (await DuckDBInstance.create(':memory:')).connect()
    try {
      const refusals: string[] = []
      for (const entry of written) {
        let rows = { duckdb: 0, polars: 0, hyparquet: 0 }
        for (const path of outputs.get(entry.table)!) {
          const attempt = async (reader: keyof typeof rows, read: () => Promise<number>) => {
            try {
              rows = { ...rows, [reader]: rows[reader] + (await read()) }
            } catch (error) {
              refusals.push(`${reader} cannot read ${entry.table}: ${(error as Error).message.split('\n')[0]}`)
            }
          }
          await attempt('duckdb', async () => (await duckdb.runAndReadAll(`SELECT * FROM read_parquet('${path}')`)).getRows().length)
          await attempt('polars', async () => polars.readParquet(path).height)
          await attempt('hyparquet', async () => (await parquetReadObjects({ file: await asyncBufferFromFile(path), compressors })).length)
        }
        for (const [reader, count] of Object.entries(rows))
          if (count !== entry.rows && !refusals.some((line) => line.includes(entry.table))) refusals.push(`${reader} read ${count} rows of ${entry.table}, ${entry.rows} written`)
      }
      assert.deepEqual(refusals, [], 'DuckDB, polars and hyparquet read every output whole')
    } finally {
      duckdb.closeSync()
    }
  },
)

test('flush, recover --keep then recover, ingest and cat take every stream of the corpora as recover does, and leave nothing behind', { timeout: 20 * 60_000 }, async (t) => {
  const cases = await corpus(t)
  // flush: the same rows; a stream bufctl refuses fails its table (exit 1), untouched.
  const flushRoot = await spill(t, cases)
  const flushOut = await tempDir(t)
  const flushed = await report(['flush', '--path', flushRoot, '--out', flushOut, '--granularity', 'none'])
  assert.equal(flushed.code, 1, flushed.stderr)
  await assertNothingLeft(flushRoot, flushOut, 'flush')
  for (const table of flushed.report.tables) {
    const entry = cases.find((candidate) => candidate.table === table.table)!
    if (entry.refused) {
      assert.equal(table.status, 'failed', table.table)
      assert.match(table.error?.message ?? '', entry.refused, table.table)
    } else assert.equal(table.rows, entry.rows, `${table.table}: ${table.error?.message ?? ''}`)
  }

  // recover --keep writes and keeps the files; recover then finishes those commits without writing again.
  const keepRoot = await spill(t, cases)
  const keepOut = await tempDir(t)
  const kept = await report(['recover', '--path', keepRoot, '--out', keepOut, '--granularity', 'none', '--keep'])
  assert.equal(kept.code, 0, kept.stderr)
  const keptOutputs = (await filesUnder(keepOut, '.parquet')).sort()
  const finished = await report(['recover', '--path', keepRoot, '--out', keepOut, '--granularity', 'none'])
  assert.equal(finished.code, 0, finished.stderr)
  assert.equal(finished.report.rows, 0, 'nothing written twice')
  assert.deepEqual((await filesUnder(keepOut, '.parquet')).sort(), keptOutputs)
  assert.ok(finished.report.tables.every((table) => table.earlierCommits.every((commit) => commit.resolution === 'rolled-forward')))
  await assertNothingLeft(keepRoot, keepOut, 'recover --keep, then recover')
  for (const entry of cases.filter((candidate) => !candidate.refused && candidate.rows > 0)) {
    assert.deepEqual(await filesUnder(join(keepRoot, entry.table), '.ipc'), [], `${entry.table}: its file went once its rows were kept`)
  }

  // ingest (in one process, every stream into its own table) and cat.
  const { ingest } = await import('../../src/lib/ingest/index.js')
  const { dumpRows } = await import('../../src/lib/dump/index.js')
  const ingestRoot = await tempDir(t)
  for (const entry of cases) {
    const refused = entry.refused
    const ingesting = ingest({ table: entry.table, inputs: [entry.file], root: ingestRoot, schema: 'any' })
    if (refused) await assert.rejects(ingesting, (error: Error) => refused.test(error.message), entry.table)
    else {
      const result = await ingesting
      assert.deepEqual([result.error, result.rows], [undefined, entry.rows], entry.table)
    }
    let rows = 0
    try {
      for await (const event of dumpRows([entry.file], { named: 'file' })) if (event.kind === 'rows') rows += event.rows.length
      assert.equal(rows, entry.rows, `cat of ${entry.table}`)
    } catch (error) {
      // What apache-arrow itself cannot decode, cat refuses by name too.
      assert.ok(refused, `cat of ${entry.table}: ${(error as Error).message}`)
    }
  }
  const ingestedOut = await tempDir(t)
  const drained = await report(['recover', '--path', ingestRoot, '--out', ingestedOut, '--granularity', 'none'])
  assert.equal(drained.code, 0, drained.stderr)
  assert.equal(
    drained.report.rows,
    cases.filter((entry) => !entry.refused).reduce((sum, entry) => sum + entry.rows, 0),
  )
})

test("the exporter's seven tables as arrow-go writes its spill files (a crashed active file among them) recover with every row once", { timeout: 10 * 60_000 }, async (t) => {
  const work = await tempDir(t)
  const files = (await arrowGoCorpus(work)).filter((entry) => entry.variant === 'exporter')
  assert.equal(files.length, 7)
  const root = join(work, 'spill')
  await cp(join(work, 'exporter'), root, { recursive: true })
  const status = JSON.parse((await runCli(['status', '--path', root, '--json'])).stdout) as { tables: { table: string; exporterShape?: { matches: boolean } }[] }
  for (const table of status.tables) assert.equal(table.exporterShape?.matches, true, `${table.table}: the exporter's shape`)
  const out = await tempDir(t)
  const recovered = await report(['recover', '--path', root, '--out', out])
  assert.equal(recovered.code, 0, recovered.stderr)
  const { outputIds } = await import('../helpers/spill.js')
  const ids = await outputIds(
    out,
    files.map((entry) => entry.name),
  )
  for (const entry of files) {
    const table = ids[entry.name]!
    assert.equal(table.length, entry.rows, `${entry.name}: every row`)
    assert.equal(new Set(table).size, table.length, `${entry.name}: once`)
  }
})
