/**
 * A local Iceberg table for one machine, the demo and CI fixtures (--iceberg-catalog file:///dir,
 * or a path): the filesystem catalog's layout, read back by icebird (npm) and pyiceberg's
 * StaticTable; two runs committing into it at once; ingest's flushes into it.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'
import { copyFixture, expandIds, expectedOf, FIXTURES } from '../helpers/spill.js'
import { readIceberg } from '../helpers/iceberg.js'
import { exporterRowId } from '../fixtures/exporter-data.js'
import { withFileUrls } from '../../scripts/file-fetch.js'

/** The table's rows as icebird (a JavaScript Iceberg reader) reads them, by row id. */
async function icebirdIds(tableUrl: string): Promise<number[]> {
  const { icebergRead } = await import('icebird')
  const realFetch = globalThis.fetch
  globalThis.fetch = withFileUrls(realFetch)
  try {
    const rows = (await icebergRead({ tableUrl })) as Record<string, unknown>[]
    return rows.map((row) => exporterRowId(row)).sort((a, b) => a - b)
  } finally {
    globalThis.fetch = realFetch
  }
}

async function latestMetadata(table: string): Promise<string> {
  const names = await readdir(join(table, 'metadata'))
  const latest = Math.max(...names.map((name) => Number(/^v(\d+)\.metadata\.json$/.exec(name)?.[1] ?? 0)))
  assert.equal((await readFile(join(table, 'metadata', 'version-hint.text'), 'utf8')).trim(), String(latest), 'the hint names the newest version')
  return join(table, 'metadata', `v${latest}.metadata.json`)
}

test('recover into a warehouse directory: the filesystem layout, read back by icebird and pyiceberg, every row once', async (t) => {
  const { root, work } = await copyFixture(t, 'crashed')
  const warehouse = join(work, 'warehouse')
  const result = await runCli(['recover', '--path', root, '--iceberg-catalog', pathToFileURL(warehouse).href])
  assert.equal(result.code, 0, result.stderr)
  const expected = await expectedOf('crashed')
  for (const table of ['otel_logs', 'otel_traces']) {
    const location = join(warehouse, 'otel', table)
    assert.deepEqual(await icebirdIds(pathToFileURL(location).href), expandIds(expected.ids[table]!), `${table}: icebird reads every row once`)
    const read = await readIceberg(await latestMetadata(location), table)
    assert.deepEqual(
      [...read.ids].sort((a, b) => a! - b!),
      expandIds(expected.ids[table]!),
      `${table}: pyiceberg reads every row once`,
    )
    assert.equal(read.spec[0]?.transform, 'hour')
  }
})

test('two runs committing into one local table at once both land, each drain once; a relative path names the same warehouse', async (t) => {
  const work = await tempDir(t)
  const first = await copyFixture(t, 'clean')
  const second = await copyFixture(t, 'clean')
  const results = await Promise.all(
    [first.root, second.root].map((root) => runCli(['flush', '--path', root, '--table', 'otel_logs', '--iceberg-catalog', 'warehouse'], { cwd: work })),
  )
  for (const result of results) assert.equal(result.code, 0, result.stderr)
  const location = join(work, 'warehouse', 'otel', 'otel_logs')
  const clean = expandIds((await expectedOf('clean')).ids.otel_logs!)
  const read = await readIceberg(await latestMetadata(location), 'otel_logs')
  assert.deepEqual(
    [...read.ids].sort((a, b) => a! - b!),
    [...clean, ...clean].sort((a, b) => a - b),
  )
  assert.equal(read.snapshots.length, 2)
})

test('ingest --flush commits its flushes to the table (disk storage); memory storage is refused with a catalog', async (t) => {
  const work = await tempDir(t)
  const root = join(work, 'spill')
  const warehouse = pathToFileURL(join(work, 'warehouse')).href
  const input = join(FIXTURES, 'inputs', 'logs-stream.arrows')
  const ingested = await runCli(['ingest', 'otel_logs', input, '--path', root, '--iceberg-catalog', warehouse, '--flush', '--json'])
  assert.equal(ingested.code, 0, ingested.stderr)
  const report = JSON.parse(ingested.stdout) as { rows: number; flushedRows: number }
  assert.equal(report.flushedRows, report.rows)
  const read = await readIceberg(await latestMetadata(join(work, 'warehouse', 'otel', 'otel_logs')), 'otel_logs')
  assert.equal(read.rows, report.rows)
  const memory = await runCli(['ingest', 'otel_logs', input, '--storage', 'memory', '--iceberg-catalog', warehouse])
  assert.equal(memory.code, 2, memory.stderr)
  assert.match(memory.stderr, /--path/)
})
