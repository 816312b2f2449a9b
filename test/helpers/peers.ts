/**
 * The real peers the tests run bufctl against, installed by test/peers/setup.sh (which `npm test`
 * and .ci/run call): pyarrow in a virtualenv, arrow-go's corpus writer. A missing peer fails the
 * test that needs it with what to run; it is never skipped.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { PROJECT_ROOT } from './cli.js'

const run = promisify(execFile)
export const PEERS = join(PROJECT_ROOT, 'test', 'peers')
const CACHE = join(PEERS, '.cache')

function installed(path: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: run bash test/peers/setup.sh (npm test does)`)
  return path
}

/** The virtualenv's Python, with pyarrow. */
export function python(): string {
  return installed(join(CACHE, 'venv', 'bin', 'python'))
}

/** Runs a script of test/peers with the virtualenv's Python; resolves to its stdout. */
export async function runPython(script: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run(python(), [join(PEERS, script), ...args], { maxBuffer: 256 * 1024 * 1024 })
  return stdout
}

/** One stream of a corpus: its type's name, how it was written, where, and its rows. */
export interface CorpusFile {
  readonly name: string
  readonly variant: string
  readonly file: string
  readonly rows: number
}

/** Writes pyarrow's corpus into `directory`; resolves to its entries (paths absolute). */
export async function pyarrowCorpus(directory: string): Promise<CorpusFile[]> {
  await runPython('pyarrow_corpus.py', [directory])
  return entries(directory)
}

/** Writes arrow-go's corpus (and the exporter's seven tables as arrow-go writes them) into `directory`. */
export async function arrowGoCorpus(directory: string): Promise<CorpusFile[]> {
  const { exporterColumns } = await import('../../src/lib/format/exporter-schemas.js')
  const { EXPORTER_TABLES } = await import('../fixtures/exporter-data.js')
  await mkdir(directory, { recursive: true })
  const schemas = join(directory, 'exporter-schemas.json')
  await writeFile(schemas, JSON.stringify(Object.fromEntries(EXPORTER_TABLES.map((table) => [table, exporterColumns(table)]))))
  await run(installed(join(CACHE, 'bin', 'arrow-go-corpus')), [directory, schemas], { maxBuffer: 64 * 1024 * 1024 })
  return entries(directory)
}

async function entries(directory: string): Promise<CorpusFile[]> {
  const listed = JSON.parse(await readFile(join(directory, 'corpus.json'), 'utf8')) as CorpusFile[]
  return listed.map((entry) => ({ ...entry, file: join(directory, entry.file) }))
}

/** pyarrow's verdict on Parquet written from an IPC stream (test/peers/check_parquet.py). */
export interface PyarrowVerdict {
  readonly id: string
  readonly ok: boolean
  readonly rows: number
  readonly problem: string | null
}

export async function pyarrowCheck(work: string, cases: readonly { id: string; source: string; rows: number; outputs: readonly string[] }[]): Promise<PyarrowVerdict[]> {
  const path = join(work, `cases-${Math.random().toString(36).slice(2)}.json`)
  await writeFile(path, JSON.stringify(cases))
  return JSON.parse(await runPython('check_parquet.py', [path])) as PyarrowVerdict[]
}
