/**
 * Mutation fuzz over whole table directories: a mutated stream between two good copies of its
 * original (exporter, general and other writers' streams, compressed bodies, nested and
 * dictionary columns), then status, status --deep, recover, and ingest of the mutated bytes.
 * Counted, and required to be zero: crashes (a throw that is not a report), hangs (each step
 * under a timeout), inputs lost (rows neither written nor kept byte for byte), good siblings left
 * undrained, and row counts beyond what a file can hold that nobody flagged.
 *
 * ≥ 500 cases under CI=true; `npm run fuzz` runs 5,000 (HOSTILE_FUZZ_CASES and FUZZ_SEED override;
 * FUZZ_KEEP=<case> runs that one case and keeps its directory, printed, to look into; FUZZ_TRACE=<file>
 * appends each case's name to that file as it starts).
 */
import { test } from 'node:test'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { appendFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Table, tableToIPC } from 'apache-arrow'
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet'
import { BufctlError, ingest, replay, status } from '../../src/lib/index.js'
import { bytesSource, scanStream, type StreamScan } from '../../src/lib/format/index.js'
import { tempDir } from '../helpers/fs.js'
import { startWatchdog, type Watchdog } from '../helpers/watchdog.js'
import { mutate } from '../helpers/mutations.js'
import { rounds, seededRandom } from '../helpers/random.js'
import { FIXTURES, filesUnder } from '../helpers/spill.js'
import { typeCorpus } from '../helpers/type-corpus.js'
import { generalBatch } from '../fixtures/general-data.js'

interface Original {
  readonly label: string
  readonly table: string
  readonly bytes: Uint8Array
  readonly rows: number
  readonly scan: StreamScan
  readonly granularity: 'hour' | 'none'
}

const STEP_SECONDS = 30

async function originals(): Promise<Original[]> {
  const corpus = await typeCorpus()
  const made: Omit<Original, 'scan'>[] = [
    {
      label: 'general app_logs, dictionaries',
      table: 'app_logs',
      bytes: tableToIPC(new Table([generalBatch('app_logs', 0, 10), generalBatch('app_logs', 10, 12), generalBatch('app_logs', 22, 8)]), 'stream'),
      rows: 30,
      granularity: 'hour',
    },
    {
      label: "the exporter's otel_traces",
      table: 'otel_traces',
      bytes: new Uint8Array(await readFile(join(FIXTURES, 'clean', 'otel_traces', 'pending-000001.ipc'))),
      rows: (await scanStream(bytesSource(new Uint8Array(await readFile(join(FIXTURES, 'clean', 'otel_traces', 'pending-000001.ipc')))))).rows,
      granularity: 'hour',
    },
  ]
  for (const name of ['Utf8, ZSTD-compressed', 'Utf8, LZ4_FRAME-compressed', 'Map<Utf8, Int32>', 'List<Dictionary<Int32, Utf8>>', 'Utf8View', 'Decimal128', 'Struct']) {
    const entry = corpus.find((candidate) => candidate.name === name)!
    made.push({ label: name, table: 'other_writer', bytes: entry.bytes, rows: entry.rows, granularity: 'none' })
  }
  return Promise.all(made.map(async (original) => ({ ...original, scan: await scanStream(bytesSource(original.bytes)) })))
}

type Figures = {
  cases: number
  crashes: number
  hangs: number
  lost: number
  undrained: number
  implausible: number
  clean: number
  salvaged: number
  setAside: number
  ingested: number
  refused: number
}

/** Runs `step`, classifying a timeout as a hang and a throw that is not one of bufctl's reported errors as a crash. */
async function guarded<T>(
  label: string,
  step: () => Promise<T>,
  figures: Figures,
  problems: string[],
  expected: (error: unknown) => boolean = () => false,
): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), STEP_SECONDS * 1000)))
  try {
    const result = await Promise.race([step(), hang])
    if (result === 'hang') {
      figures.hangs++
      problems.push(`${label}: no answer within ${STEP_SECONDS} s`)
      return undefined
    }
    return result
  } catch (error) {
    if (expected(error)) return undefined
    figures.crashes++
    problems.push(`${label}: threw ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    return undefined
  } finally {
    clearTimeout(timer)
  }
}

async function parquetRows(dir: string): Promise<number> {
  let rows = 0
  for (const file of await filesUnder(dir, '.parquet')) rows += Number((await parquetMetadataAsync(await asyncBufferFromFile(file))).num_rows)
  return rows
}

async function fuzzCase(
  dir: string,
  original: Original,
  mutated: Uint8Array,
  context: string,
  withIngest: boolean,
  asActive: boolean,
  figures: Figures,
  problems: string[],
): Promise<void> {
  const fail = (what: string, counter: keyof Figures) => {
    figures[counter]++
    problems.push(`${context}: ${what}`)
  }
  await rm(dir, { recursive: true, force: true })
  const root = join(dir, 'spill')
  const out = join(dir, 'out')
  const table = join(root, original.table)
  const mutatedName = asActive ? 'active.ipc' : 'pending-000002.ipc'
  await mkdir(table, { recursive: true })
  await writeFile(join(table, 'pending-000001.ipc'), original.bytes)
  await writeFile(join(table, mutatedName), mutated)
  await writeFile(join(table, 'pending-000003.ipc'), original.bytes)
  const good = 2 * original.rows
  const most = 3 * original.rows

  const shallow = await guarded(`${context} status`, () => status({ root }), figures, problems)
  // Metadata alone: a count beyond what the mutated file's bytes could hold must be flagged, not counted.
  if (shallow && shallow.tables[0]!.rows > good + 8 * mutated.byteLength + 64) fail(`status counted ${shallow.tables[0]!.rows} rows unflagged`, 'implausible')
  const deep = await guarded(`${context} status --deep`, () => status({ root, deep: true }), figures, problems)
  if (deep && deep.tables[0]!.rows > most) fail(`status --deep counted ${deep.tables[0]!.rows} rows of ${most} written`, 'implausible')

  const report = await guarded(`${context} recover`, () => replay({ mode: 'recover', root, out, granularity: original.granularity }), figures, problems)
  if (report) {
    const result = report.tables[0]!
    if (result.status === 'failed' || result.rows < good)
      fail(`the good siblings were not drained (${result.status}, ${result.rows} rows: ${result.error?.message ?? ''})`, 'undrained')
    if (result.rows > most) fail(`recover wrote ${result.rows} rows of ${most} written`, 'implausible')
    // An orphaned active.ipc is drained as the next pending file (pending-000004.ipc here).
    const names = asActive ? [mutatedName, 'pending-000004.ipc'] : [mutatedName]
    const setAside = [...result.salvaged, ...result.quarantined].find((note) => names.includes(note.file))
    if (setAside) {
      const kept = await readFile(join(table, 'quarantine', setAside.file)).catch(() => undefined)
      if (!kept || !Buffer.from(mutated).equals(kept)) fail(`${setAside.file} was set aside but is not kept byte for byte`, 'lost')
      if (result.salvaged.includes(setAside as never)) figures.salvaged++
      else figures.setAside++
    } else if (result.status !== 'failed') {
      figures.clean++
      if (result.rows !== most) fail(`${most - result.rows} rows lost without a report`, 'lost')
    }
    if (result.status !== 'failed' && (await parquetRows(join(out, original.table))) !== result.rows) fail('the Parquet footers do not hold the rows reported', 'lost')
  }

  if (withIngest) {
    const input = join(dir, 'input.arrows')
    await writeFile(input, mutated)
    const spill = join(dir, 'ingest')
    // A refusal (an error bufctl names) is a correct answer to a damaged input; anything else thrown is a crash.
    const ingested = await guarded(
      `${context} ingest`,
      () => ingest({ table: original.table, inputs: [input], root: spill, schema: 'any' }),
      figures,
      problems,
      (error) => error instanceof BufctlError,
    )
    const buffered = (await status({ root: spill }).catch(() => undefined))?.tables[0]?.rows ?? 0
    if (ingested && !ingested.error) {
      figures.ingested++
      if (buffered !== ingested.rows || buffered > original.rows) fail(`ingest reported ${ingested.rows} rows, the buffer holds ${buffered}`, 'implausible')
    } else {
      figures.refused++
      if (buffered !== 0) fail(`a refused input left ${buffered} rows appended`, 'lost')
    }
    if (!Buffer.from(mutated).equals(await readFile(input))) fail('ingest changed its input', 'lost')
  }
}

test('mutation fuzz: 0 crashes, 0 hangs, 0 inputs lost, 0 good siblings undrained, 0 implausible row counts unflagged', async (t) => {
  const seed = Number(process.env.FUZZ_SEED ?? 20261126)
  const random = seededRandom(seed)
  const total = rounds('HOSTILE_FUZZ_CASES', 1000, 500)
  const pool = await originals()
  const dir = await tempDir(t)
  const figures: Figures = { cases: 0, crashes: 0, hangs: 0, lost: 0, undrained: 0, implausible: 0, clean: 0, salvaged: 0, setAside: 0, ingested: 0, refused: 0 }
  const problems: string[] = []
  const started = Date.now()
  const only = process.env.FUZZ_KEEP === undefined ? undefined : Number(process.env.FUZZ_KEEP)
  // A step spinning on this thread would stop the per-step timeouts too: the watchdog ends the run, naming the case.
  const watchdog: Watchdog = startWatchdog(4 * STEP_SECONDS * 1000)
  t.after(() => watchdog.stop())
  let caseRoot = dir
  for (let round = 0; round < (only ?? total - 1) + 1; round++) {
    const original = pool[round % pool.length]!
    const { label, bytes } = mutate(original.bytes, original.scan, random)
    if (only !== undefined && round !== only) continue
    figures.cases++
    if (process.env.FUZZ_TRACE) appendFileSync(process.env.FUZZ_TRACE, `case ${round}: ${original.label}: ${label}\n`)
    const context = `seed ${seed} case ${round} (${original.label}: ${label})`
    watchdog.beat(context)
    const caseDir = only === undefined ? caseRoot : await mkdtemp(join(tmpdir(), `bufctl-fuzz-${round}-`))
    const hangs = figures.hangs
    await fuzzCase(caseDir, original, bytes, context, round % 4 === 0, round % 5 === 0, figures, problems)
    // A step that hung may still be writing there: later cases work elsewhere.
    if (figures.hangs > hangs) caseRoot = join(dir, `after-case-${round}`)
    if (only !== undefined) t.diagnostic(`case ${round} kept in ${caseDir}`)
  }
  const seconds = (Date.now() - started) / 1000
  t.diagnostic(`${figures.cases} cases in ${seconds.toFixed(1)} s (seed ${seed}, ${pool.length} originals): ${JSON.stringify(figures)}`)
  if (problems.length > 0) throw new Error(`${problems.length} problem(s):\n${problems.slice(0, 10).join('\n')}`)
  if (only === undefined && (await readdir(dir)).length === 0) throw new Error('the fuzz did not run')
})
