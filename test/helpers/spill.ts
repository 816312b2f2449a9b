/** Spill roots copied from fixtures, byte-level snapshots, and hyparquet as the independent Parquet reader. */
import { cp, readdir, readFile, stat } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { join, relative } from 'node:path'
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { PROJECT_ROOT } from './cli.js'
import { tempDir } from './fs.js'
import { exporterRowId } from '../fixtures/exporter-data.js'

export const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures')

export type FixtureName = 'crashed' | 'clean' | 'general'

export interface Expected {
  rows: Record<string, number>
  ids: Record<string, [number, number][]>
  tornBytes: Record<string, number>
  /** Files per table that stop the exporter from opening it. */
  blocking: Record<string, string[]>
  /** Invalid UTF-8 values per table and column. */
  invalidUtf8: Record<string, Record<string, number>>
}

export async function expectedOf(name: FixtureName): Promise<Expected> {
  return JSON.parse(await readFile(join(FIXTURES, `${name}.expected.json`), 'utf8')) as Expected
}

/** A private copy of a fixture spill root, plus an empty output directory. */
export async function copyFixture(t: TestContext, name: FixtureName): Promise<{ root: string; out: string; work: string }> {
  const work = await tempDir(t)
  const root = join(work, 'spill')
  await cp(join(FIXTURES, name), root, { recursive: true })
  return { root, out: join(work, 'parquet'), work }
}

/** Every file under `dir` with its SHA-256, to prove a directory was not changed. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {}
  async function walk(current: string): Promise<void> {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name)
      if (entry.isDirectory()) await walk(path)
      else
        result[relative(dir, path)] = createHash('sha256')
          .update(await readFile(path))
          .digest('hex')
    }
  }
  await walk(dir)
  return result
}

export async function filesUnder(dir: string, suffix = ''): Promise<string[]> {
  const found: string[] = []
  async function walk(current: string): Promise<void> {
    let entries
    try {
      entries = await readdir(current, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const path = join(current, entry.name)
      if (entry.isDirectory()) await walk(path)
      else if (entry.name.endsWith(suffix)) found.push(path)
    }
  }
  await walk(dir)
  return found.sort()
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

/** Every row of every Parquet file under `dir`, read by hyparquet (not by the writer's library). */
export async function readParquetRows(dir: string): Promise<Record<string, unknown>[]> {
  const files: Record<string, unknown>[][] = []
  for (const file of await filesUnder(dir, '.parquet')) {
    files.push((await parquetReadObjects({ file: await asyncBufferFromFile(file), compressors })) as Record<string, unknown>[])
  }
  // Not push(...rows): a file of hundreds of thousands of rows would overflow the stack.
  return files.flat()
}

export interface ParquetColumnInfo {
  readonly type?: string
  readonly logicalType?: string
  readonly codec: string
  readonly hasStatistics: boolean
}

/** Physical and logical type, codec and statistics of each top-level column of a Parquet file. */
export async function parquetColumns(file: string): Promise<Record<string, ParquetColumnInfo>> {
  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file))
  const columns: Record<string, ParquetColumnInfo> = {}
  for (const chunk of metadata.row_groups[0]!.columns) {
    const name = chunk.meta_data!.path_in_schema.join('.')
    const element = metadata.schema.find((e) => e.name === name)
    columns[name] = {
      type: element?.type,
      logicalType: element?.logical_type ? JSON.stringify(element.logical_type) : undefined,
      codec: chunk.meta_data!.codec,
      hasStatistics: chunk.meta_data!.statistics !== undefined,
    }
  }
  return columns
}

/** The row ids the fixture's complete batches hold, expanded. */
export function expandIds(ranges: [number, number][]): number[] {
  return ranges.flatMap(([first, rows]) => Array.from({ length: rows }, (_, i) => first + i))
}

/** The row id of an output row of the fixture tables (each table has a unique key per row). */
export function rowId(table: string, row: Record<string, unknown>): number {
  if (typeof row.attributes_remaining === 'string') return exporterRowId(row)
  if (table === 'app_logs') return Number(/^log (\d+):/.exec(row.body as string)![1])
  if (table === 'app_traces') return parseInt(row.span_id as string, 16)
  return Number((JSON.parse(row.attributes as string) as { series: string }).series)
}

/** Sorted row ids per table, as read back from the Parquet output tree. */
export async function outputIds(out: string, tables: readonly string[]): Promise<Record<string, number[]>> {
  const result: Record<string, number[]> = {}
  for (const table of tables) result[table] = (await readParquetRows(join(out, table))).map((row) => rowId(table, row)).sort((a, b) => a - b)
  return result
}

/** Outputs hold each expected row exactly once; no temporary file, pending file or journal is left. */
export async function assertExactlyOnce(root: string, out: string, expected: Record<string, number[]>): Promise<void> {
  const ids = await outputIds(out, Object.keys(expected))
  for (const [table, want] of Object.entries(expected)) assert.deepEqual(ids[table], want, `${table}: every row exactly once`)
  const everything = await filesUnder(out)
  assert.deepEqual(
    everything.filter((file) => file.endsWith('.tmp')),
    [],
    'no temporary file left in the output',
  )
  const spill = (await filesUnder(root)).filter((file) => !file.includes('/quarantine/'))
  assert.deepEqual(
    spill.filter((file) => /\.ipc$|bufctl-commit\.json|bufctl-kept\.json|\.tmp$/.test(file)),
    [],
    'no pending or held file, journal or temporary file left',
  )
}
