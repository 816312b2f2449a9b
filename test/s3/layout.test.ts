import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'
import { BUCKET, startS3 } from '../helpers/s3.js'
import { assertExactlyOnce, copyFixture, expandIds, expectedOf, outputIds } from '../helpers/spill.js'
import { EXPORTER_TABLES } from '../fixtures/exporter-data.js'
import type { ReplayReport } from '../../src/lib/replay/index.js'

const KEY = /^run1\/(otel_[a-z_]+)\/data\/year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2}\/[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.parquet$/

test('recover into s3://bucket/prefix writes the exporter layout, every row once, readable with hive columns', async (t) => {
  const s3 = await startS3(t)
  const { root } = await copyFixture(t, 'crashed')
  const run = await runCli(['recover', '--path', root, '--out', `s3://${BUCKET}/run1`, '--json'], { env: s3.env })
  assert.equal(run.code, 0, run.stderr)
  assert.equal(run.stderr, '', 'stderr carries nothing (no SDK warning)')
  const report = JSON.parse(run.stdout) as ReplayReport
  assert.equal(report.out, `s3://${BUCKET}/run1`)

  const keys = await s3.keys('run1/')
  assert.ok(keys.length > 0)
  for (const key of keys) assert.match(key, KEY)
  const listed = report.tables.flatMap((table) => table.outputs.map((output) => output.path)).sort()
  assert.deepEqual(
    listed,
    keys.map((key) => `s3://${BUCKET}/${key}`),
    'the report lists every object key',
  )
  assert.ok(!keys.some((key) => key.includes('.bufctl-probe')), 'the writability probe leaves nothing')

  const local = await tempDir(t)
  await s3.download('run1/', local)
  const expected = await expectedOf('crashed')
  const want = Object.fromEntries(EXPORTER_TABLES.map((table) => [table, expandIds(expected.ids[table]!)]))
  await assertExactlyOnce(root, local, want)

  // DuckDB, as the README shows it, sees the hive partition columns.
  const db = await DuckDBInstance.create(':memory:')
  const connection = await db.connect()
  try {
    const glob = join(local, 'otel_logs', 'data', '**', '*.parquet')
    const reader = await connection.runAndReadAll(
      `select count(*)::integer as n, min(year)::integer as y, count(distinct hour)::integer as h from read_parquet('${glob}', hive_partitioning = true)`,
    )
    const [row] = reader.getRowObjects() as { n: number; y: number; h: number }[]
    assert.equal(row!.n, want.otel_logs!.length)
    assert.ok(row!.y >= 2000, `a year column (${row!.y})`)
    assert.ok(row!.h >= 1)
  } finally {
    connection.closeSync()
  }

  // The objects are traced back to bufctl and the table.
  const { HeadObjectCommand } = await import('@aws-sdk/client-s3')
  const head = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: keys[0]! }))
  assert.equal(head.Metadata?.['bufctl-table'], KEY.exec(keys[0]!)![1])
  assert.match(head.Metadata?.['bufctl-version'] ?? '', /^\d+\.\d+\.\d+/)
})

test('flush into S3 with encryption and a storage class; a re-run writes nothing twice', async (t) => {
  const s3 = await startS3(t)
  const { root } = await copyFixture(t, 'clean')
  const args = ['flush', '--path', root, '--out', `s3://${BUCKET}/lake/`, '--s3-sse', 'AES256', '--s3-storage-class', 'STANDARD_IA', '--json']
  const first = await runCli(args, { env: s3.env })
  assert.equal(first.code, 0, first.stderr)
  const keys = await s3.keys('lake/')
  assert.ok(keys.length > 0)
  const { HeadObjectCommand } = await import('@aws-sdk/client-s3')
  const head = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: keys[0]! }))
  assert.equal(head.StorageClass, 'STANDARD_IA')
  const again = await runCli(args, { env: s3.env })
  assert.equal(again.code, 0, again.stderr)
  assert.deepEqual(await s3.keys('lake/'), keys)
  const local = await tempDir(t)
  await s3.download('lake/', local)
  const ids = await outputIds(local, ['otel_logs'])
  assert.equal(new Set(ids.otel_logs).size, ids.otel_logs!.length, 'no row twice')
})

test('--dry-run lists the object keys it would write and writes nothing', async (t) => {
  const s3 = await startS3(t)
  const { root } = await copyFixture(t, 'crashed')
  const run = await runCli(['recover', '--path', root, '--out', `s3://${BUCKET}/dry`, '--dry-run', '--json'], { env: s3.env })
  assert.equal(run.code, 0, run.stderr)
  const report = JSON.parse(run.stdout) as ReplayReport
  const paths = report.tables.flatMap((table) => table.outputs.map((output) => output.path))
  assert.ok(paths.length > 0)
  for (const path of paths) assert.match(path.slice(`s3://${BUCKET}/`.length).replace(/^dry\//, 'run1/'), KEY)
  assert.deepEqual(await s3.keys(), [])
  assert.ok(!s3.calls.some((call) => call.method === 'PUT' || call.method === 'POST' || call.method === 'DELETE'), 'no write request at all')
})
