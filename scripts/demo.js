#!/usr/bin/env node
// npm run demo: replay the bundled crashed spill directory (test/fixtures/crashed) into Parquet,
// then read the result back with an independent Parquet reader (hyparquet); then replay another
// copy into a local Iceberg table (the exporter's default destination, here a warehouse directory)
// and read that back with an independent Iceberg reader (icebird). Everything happens in
// ./demo-output; the fixture is copied.
import { spawnSync } from 'node:child_process'
import { cp, readdir, rm } from 'node:fs/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { join } from 'node:path'

const project = fileURLToPath(new URL('..', import.meta.url))
const work = join(project, 'demo-output')
const spill = join(work, 'spill')
const out = join(work, 'parquet')

await rm(work, { recursive: true, force: true })
await cp(join(project, 'test', 'fixtures', 'crashed'), spill, { recursive: true })

/** What a run's exit code means here: the demo's status runs exit 1 on purpose (the fixture is a crashed buffer). */
const MEANING = {
  0: 'done',
  1: 'status found something to act on (files that would stop the exporter, damage): recover deals with it next',
  2: 'bad usage or input',
  75: 'a table is in use',
}

function bufctl(...args) {
  console.log(`\n$ bufctl ${args.join(' ')}`)
  const result = spawnSync(process.execPath, [join(project, 'bin', 'run.js'), ...args], { stdio: 'inherit' })
  if (result.status !== 0) console.log(`(exit code ${result.status}: ${MEANING[result.status] ?? 'see the message above'})`)
}

bufctl('status', '--path', spill)
bufctl('recover', '--path', spill, '--out', out, '--dry-run')
bufctl('recover', '--path', spill, '--out', out)
bufctl('status', '--path', spill)

console.log(`\nReading ${out} back with hyparquet (an independent Parquet reader):`)
const { asyncBufferFromFile, parquetReadObjects } = await import('hyparquet')
const { compressors } = await import('hyparquet-compressors')
const summary = []
for (const entry of await readdir(out, { recursive: true })) {
  if (!entry.endsWith('.parquet')) continue
  const rows = await parquetReadObjects({ file: await asyncBufferFromFile(join(out, entry)), compressors })
  summary.push({ table: entry.split('/')[0], partition: entry.split('/').slice(2, -1).join('/'), rows: rows.length })
}
console.table(summary.sort((a, b) => `${a.table}${a.partition}`.localeCompare(`${b.table}${b.partition}`)))

// The same files as DuckDB sees them (its Node client is installed with the project's dev dependencies).
const query = `SELECT attr_service_name, hour, count(*) AS rows FROM read_parquet('${out}/otel_logs/data/**/*.parquet', hive_partitioning = true, hive_types = {'year': INTEGER, 'month': INTEGER, 'day': INTEGER, 'hour': INTEGER}) GROUP BY ALL ORDER BY ALL`
console.log(`\nAnd with DuckDB:\n${query}`)
const { DuckDBInstance } = await import('@duckdb/node-api')
const connection = await (await DuckDBInstance.create(':memory:')).connect()
try {
  console.table((await connection.runAndReadAll(query)).getRowObjectsJson())
} finally {
  connection.closeSync()
}

// The same crashed buffer into an Iceberg table: a warehouse directory stands in for the REST
// catalog the exporter commits to (--iceberg-catalog http://lakekeeper:8181/catalog, say).
const icebergSpill = join(work, 'spill-for-iceberg')
const warehouse = join(work, 'warehouse')
await cp(join(project, 'test', 'fixtures', 'crashed'), icebergSpill, { recursive: true })
bufctl('recover', '--path', icebergSpill, '--iceberg-catalog', pathToFileURL(warehouse).href, '--quiet')

console.log(`\nReading the Iceberg tables under ${warehouse} back with icebird (an independent Iceberg reader):`)
const { icebergMetadata, icebergRead } = await import('icebird')
const { withFileUrls } = await import('./file-fetch.js')
globalThis.fetch = withFileUrls(globalThis.fetch)
const tables = []
for (const table of (await readdir(join(warehouse, 'otel'))).sort()) {
  const tableUrl = pathToFileURL(join(warehouse, 'otel', table)).href
  const metadata = await icebergMetadata({ tableUrl })
  const snapshot = metadata.snapshots.at(-1)
  const rows = await icebergRead({ tableUrl, metadata })
  // (icebird parses the metadata with JSON.parse, which rounds 64-bit snapshot ids: they are not shown.)
  tables.push({
    table: `otel.${table}`,
    rows: rows.length,
    partition: metadata['partition-specs'][0].fields.map((field) => field.name).join(),
    snapshots: metadata.snapshots.length,
    'bufctl.drain-id': snapshot.summary['bufctl.drain-id'],
  })
}
console.table(tables)
