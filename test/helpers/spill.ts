/** Spill roots copied from fixtures, byte-level snapshots, and DuckDB as the independent reader. */
import { cp, readdir, readFile, stat } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { join, relative } from 'node:path'
import type { TestContext } from 'node:test'
import { DuckDBInstance } from '@duckdb/node-api'
import { PROJECT_ROOT } from './cli.js'
import { tempDir } from './fs.js'

export const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures')

export interface Expected {
  rows: Record<string, number>
  ids: Record<string, [number, number][]>
  tornBytes: Record<string, number>
}

export async function expectedOf(name: 'crashed' | 'clean'): Promise<Expected> {
  return JSON.parse(await readFile(join(FIXTURES, `${name}.expected.json`), 'utf8')) as Expected
}

/** A private copy of a fixture spill root, plus an empty output directory. */
export async function copyFixture(t: TestContext, name: 'crashed' | 'clean'): Promise<{ root: string; out: string; work: string }> {
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
      else result[relative(dir, path)] = createHash('sha256').update(await readFile(path)).digest('hex')
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

/** Runs a query in a fresh in-memory DuckDB and returns plain row objects. */
export async function duck<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const db = await DuckDBInstance.create(':memory:')
  const connection = await db.connect()
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as T[]
  } finally {
    connection.closeSync()
  }
}

/** The row ids the fixture's complete batches hold, expanded. */
export function expandIds(ranges: [number, number][]): number[] {
  return ranges.flatMap(([first, rows]) => Array.from({ length: rows }, (_, i) => first + i))
}
