#!/usr/bin/env node
// npm run demo: replay the bundled crashed spill directory (test/fixtures/crashed) into Parquet,
// then read the result back with DuckDB. Everything happens in ./demo-output; the fixture is copied.
import { spawnSync } from 'node:child_process'
import { cp, rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

const project = fileURLToPath(new URL('..', import.meta.url))
const work = join(project, 'demo-output')
const spill = join(work, 'spill')
const out = join(work, 'parquet')

await rm(work, { recursive: true, force: true })
await cp(join(project, 'test', 'fixtures', 'crashed'), spill, { recursive: true })

function bufctl(...args) {
  console.log(`\n$ bufctl ${args.join(' ')}`)
  const result = spawnSync(process.execPath, [join(project, 'bin', 'run.js'), ...args], { stdio: 'inherit' })
  if (result.status !== 0) console.log(`(exit code ${result.status})`)
}

bufctl('status', '--path', spill)
bufctl('recover', '--path', spill, '--out', out, '--dry-run')
bufctl('recover', '--path', spill, '--out', out)
bufctl('status', '--path', spill)

console.log(`\nReading ${out} with DuckDB:`)
const { DuckDBInstance } = await import('@duckdb/node-api')
const db = await DuckDBInstance.create(':memory:')
const connection = await db.connect()
try {
  const result = await connection.runAndReadAll(`
    SELECT split_part(filename, '/', -7) AS table_name, hour, count(*) AS rows
    FROM read_parquet('${out}/*/data/*/*/*/*/*.parquet', hive_partitioning = true, filename = true)
    GROUP BY ALL ORDER BY ALL`)
  console.table(result.getRowObjects().map((row) => ({ ...row, rows: Number(row.rows) })))
} finally {
  connection.closeSync()
}
console.log(`\nTry it yourself: duckdb -c "SELECT * FROM read_parquet('${out}/otel_logs/data/**/*.parquet') LIMIT 5"`)
