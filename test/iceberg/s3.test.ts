/**
 * An Iceberg table whose location is in S3: the REST catalog writes its metadata with S3FileIO,
 * bufctl its data files and manifests through the same S3 sink as --out s3://…, and pyiceberg reads
 * it all back from the store.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runCli } from '../helpers/cli.js'
import { startS3 } from '../helpers/s3.js'
import { copyFixture, expandIds, expectedOf } from '../helpers/spill.js'
import { readIceberg, startRestCatalog } from '../helpers/iceberg.js'

test('recover into a REST catalog whose warehouse is in S3: data files and manifests under the table location in the bucket, every row once', async (t) => {
  const s3 = await startS3(t, { chunkedUploads: true })
  const catalog = await startRestCatalog(t, { s3 })
  const { root } = await copyFixture(t, 'crashed')
  const result = await runCli(['recover', '--path', root, '--table', 'otel_logs', '--iceberg-catalog', catalog.url], { env: s3.env })
  assert.equal(result.code, 0, `${result.stderr}\n${catalog.log()}`)
  const keys = await s3.keys('warehouse/otel/otel_logs/')
  assert.ok(
    keys.some((key) => /^warehouse\/otel\/otel_logs\/data\/year=2026\/month=11\/day=24\/hour=05\/[0-9a-f-]{36}\.parquet$/.test(key)),
    keys.join('\n'),
  )
  assert.ok(
    keys.some((key) => /^warehouse\/otel\/otel_logs\/metadata\/snap-\d+-1-[0-9a-f-]{36}\.avro$/.test(key)),
    keys.join('\n'),
  )
  const read = await readIceberg(catalog.url, 'otel_logs', { s3 })
  assert.deepEqual(
    [...read.ids].sort((a, b) => a! - b!),
    expandIds((await expectedOf('crashed')).ids.otel_logs!),
  )
  assert.ok(read.files.every((file) => file.path.startsWith('s3://lake/warehouse/otel/otel_logs/data/')))
})
