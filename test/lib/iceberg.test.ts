/** The Iceberg pieces on their own: lossless ids, Avro with field ids, schemas and their ids, partition values, field ids in the Arrow schema, catalog names. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Field, Int32, Int64, List, Map_, RecordBatchReader, Schema, Struct, Timestamp, TimeUnit, Utf8 } from 'apache-arrow'
import { parseCatalogJson, stringifyCatalogJson } from '../../src/lib/iceberg/json.js'
import { readAvroFile } from '../../src/lib/iceberg/avro-file.js'
import { manifestList, newManifestEntry, manifestFile } from '../../src/lib/iceberg/manifests.js'
import { bindColumns, fieldIdsOf, freshSchema, nameMapping } from '../../src/lib/iceberg/schema.js'
import { granularityOf, newPartitionSpec, partitionValue } from '../../src/lib/iceberg/partition-spec.js'
import { catalogUrl } from '../../src/lib/iceberg/catalog-url.js'
import { encodeSchemaMessage } from '../../src/lib/format/batch-codec.js'
import { PARQUET_FIELD_ID, withFieldIds } from '../../src/lib/format/schema-copy.js'
import { partitionPath } from '../../src/lib/sink/partitioning.js'
import { TableSchemaError } from '../../src/lib/store-errors.js'

const NESTED = new Schema([
  new Field('a', new Int32(), false),
  new Field('s', new Struct([new Field('b', new Int32(), true), new Field('c', new List(new Field('item', new Utf8(), true)), true)]), true),
  new Field(
    'm',
    new Map_<Utf8, Int64>(new Field('entries', new Struct<{ key: Utf8; value: Int64 }>([new Field('key', new Utf8(), false), new Field('value', new Int64(), true)]), false)),
    true,
  ),
  new Field('t', new Timestamp(TimeUnit.MICROSECOND, 'UTC'), false),
])

test('catalog JSON keeps 64-bit ids whole: beyond 2^53 they are BigInt, and are written back as the same digits', () => {
  const parsed = parseCatalogJson('{"snapshot-id": 9007199254740993, "small": 42, "ratio": 0.5}') as Record<string, unknown>
  assert.equal(parsed['snapshot-id'], 9007199254740993n)
  assert.equal(parsed.small, 42)
  assert.equal(parsed.ratio, 0.5)
  assert.equal(stringifyCatalogJson({ id: 9223372036854775807n }), '{"id":9223372036854775807}')
  assert.equal((JSON.parse('{"id": 9007199254740993}') as { id: number }).id, 9007199254740992, 'what JSON.parse would have made of it')
})

test('a fresh schema numbers fields 1..n in schema order, nested fields depth-first, with the type mapping of iceberg-go', () => {
  const schema = freshSchema(NESTED, 'x')
  assert.deepEqual(
    [...fieldIdsOf(schema)],
    [
      ['a', 1],
      ['s', 2],
      ['s.b', 3],
      ['s.c', 4],
      ['s.c.element', 5],
      ['m', 6],
      ['m.key', 7],
      ['m.value', 8],
      ['t', 9],
    ],
  )
  assert.deepEqual(
    schema.fields.map((field) => [field.name, typeof field.type === 'string' ? field.type : field.type.type, field.required]),
    [
      ['a', 'int', true],
      ['s', 'struct', false],
      ['m', 'map', false],
      ['t', 'timestamptz', true],
    ],
  )
  assert.deepEqual(nameMapping(schema)[0], { 'field-id': 1, names: ['a'] })
  assert.throws(() => freshSchema(new Schema([new Field('n', new Timestamp(TimeUnit.NANOSECOND, 'UTC'))]), 'x'), /column n: .* has no Iceberg type/)
})

test("binding to an existing table takes its ids by name, allows Iceberg's promotions, and refuses a missing column or another type by name", () => {
  const table = freshSchema(
    new Schema([new Field('t', new Timestamp(TimeUnit.MICROSECOND, 'UTC'), false), new Field('n', new Int64(), true), new Field('a', new Int32(), false)]),
    'x',
  )
  const ids = bindColumns(table, new Schema([new Field('a', new Int32(), false), new Field('n', new Int32(), true)]), 'otel.x')
  assert.deepEqual(
    [...ids],
    [
      ['a', 3],
      ['n', 2],
    ],
  )
  assert.throws(
    () => bindColumns(table, new Schema([new Field('body', new Utf8())]), 'otel.x'),
    (error: unknown) => {
      assert.ok(error instanceof TableSchemaError)
      assert.match(error.message, /otel\.x.*column body: the table has no such column \(its columns: t, n, a\)/)
      return true
    },
  )
  assert.throws(() => bindColumns(table, new Schema([new Field('n', new Utf8())]), 'otel.x'), /column n: the table has long, this data has string/)
})

test('partition values are hours, days or months since 1970-01-01 UTC, computed from the partition directory; an existing spec decides the granularity', () => {
  const at = Date.UTC(2026, 10, 24, 5, 30)
  assert.equal(partitionValue(partitionPath(at, 'hour'), 'hour'), Math.floor(at / 3_600_000))
  assert.equal(partitionValue(partitionPath(at, 'day'), 'day'), Math.floor(at / 86_400_000))
  assert.equal(partitionValue(partitionPath(at, 'month'), 'month'), (2026 - 1970) * 12 + 10)
  assert.equal(partitionValue(partitionPath(Date.UTC(1969, 11, 31, 23), 'hour'), 'hour'), -1, 'before the epoch')
  assert.equal(partitionValue('', 'none'), undefined)
  const schema = freshSchema(NESTED, 'x')
  const spec = newPartitionSpec(schema, 't', 'day', 'otel.x')
  assert.deepEqual(spec.fields, [{ 'source-id': 9, 'field-id': 1000, name: 't_day', transform: 'day' }])
  assert.equal(granularityOf(spec, schema, 't', 'otel.x'), 'day')
  assert.throws(
    () => granularityOf({ 'spec-id': 1, fields: [{ 'source-id': 1, 'field-id': 1000, name: 'a_bucket', transform: 'bucket[16]' }] }, schema, 'a', 'otel.x'),
    /bucket\[16\] transform/,
  )
})

test('manifests and manifest lists are Avro files whose header keeps every field id and the metadata Iceberg readers require', async () => {
  const schema = freshSchema(NESTED, 'x')
  const spec = newPartitionSpec(schema, 't', 'hour', 'x')
  const stats = {
    columnSizes: new Map([[1, 10n]]),
    valueCounts: new Map([[1, 3n]]),
    nullValueCounts: new Map([[1, 0n]]),
    lowerBounds: new Map([[1, Buffer.of(1, 0, 0, 0)]]),
    upperBounds: new Map([[1, Buffer.of(3, 0, 0, 0)]]),
    splitOffsets: [4n],
  }
  const files = [{ path: 's3://lake/t/data/x.parquet', bytes: 100, rows: 3, partition: 493_000, stats }]
  const snapshot = 9_000_000_000_000_000_001n
  const manifest = await readAvroFile(manifestFile(files, snapshot, schema, spec))
  assert.equal(manifest.metadata['format-version'], '2')
  assert.equal(manifest.metadata.content, 'data')
  assert.equal(manifest.metadata['partition-spec-id'], '0')
  assert.deepEqual(JSON.parse(manifest.metadata['partition-spec']!), spec.fields)
  assert.equal((JSON.parse(manifest.metadata.schema!) as { fields: unknown[] }).fields.length, 4)
  assert.ok(manifest.schema.fields.every((field) => field['field-id'] !== undefined))
  const entry = manifest.records[0] as {
    snapshot_id: bigint
    data_file: { partition: Record<string, number>; record_count: bigint; lower_bounds: { key: number; value: Buffer }[] }
  }
  assert.equal(entry.snapshot_id, snapshot)
  assert.deepEqual({ ...entry.data_file.partition }, { t_hour: 493_000 })
  assert.equal(entry.data_file.record_count, 3n)
  assert.deepEqual(
    entry.data_file.lower_bounds.map((pair) => ({ ...pair })),
    [{ key: 1, value: Buffer.of(1, 0, 0, 0) }],
  )
  const list = await readAvroFile(manifestList([newManifestEntry('s3://lake/t/metadata/m.avro', 1234, files, snapshot, 7n, spec)], snapshot, undefined, 7n))
  assert.equal(list.metadata['snapshot-id'], String(snapshot))
  assert.equal(list.metadata['parent-snapshot-id'], 'null')
  assert.ok(list.schema.fields.some((field) => field.name === 'added_files_count' && field['field-id'] === 504))
  const listed = list.records[0] as { added_snapshot_id: bigint; sequence_number: bigint; partitions: { lower_bound: Buffer }[] }
  assert.equal(listed.added_snapshot_id, snapshot)
  assert.equal(listed.sequence_number, 7n)
  assert.equal(listed.partitions[0]!.lower_bound.readInt32LE(), 493_000)
})

test("field ids go into a stream's schema message by path, every other property of the schema kept", () => {
  const message = encodeSchemaMessage(NESTED)
  const ids = new Map([
    ['a', 11],
    ['s.c.element', 15],
    ['m.value', 18],
    ['t', 19],
  ])
  const schema = RecordBatchReader.from(withFieldIds(message, ids)).open().schema
  assert.deepEqual(schema.fields.map(String), NESTED.fields.map(String))
  assert.equal(schema.fields[0]!.metadata.get(PARQUET_FIELD_ID), '11')
  const list = (schema.fields[1]!.type as Struct).children[1]!
  assert.equal((list.type as List).children[0]!.metadata.get(PARQUET_FIELD_ID), '15')
  const entries = (schema.fields[2]!.type as Map_).children[0]!
  assert.equal(entries.metadata.size, 0, 'a map entries struct is no column: no id')
  assert.equal((entries.type as Struct).children[1]!.metadata.get(PARQUET_FIELD_ID), '18')
  assert.equal(schema.fields[3]!.metadata.get(PARQUET_FIELD_ID), '19')
})

test('a catalog is named one way: REST URLs as given (no trailing slash), warehouse directories as absolute file URLs', () => {
  assert.equal(catalogUrl('http://lakekeeper:8181/catalog/'), 'http://lakekeeper:8181/catalog')
  assert.equal(catalogUrl('file:///data/warehouse'), 'file:///data/warehouse')
  assert.equal(catalogUrl('/data/warehouse'), 'file:///data/warehouse')
  assert.equal(catalogUrl('warehouse'), `file://${process.cwd()}/warehouse`)
  assert.throws(() => catalogUrl('thrift://metastore:9083'), /neither a REST catalog/)
  assert.throws(() => catalogUrl('file://otherhost/data'), /not a file URL of this machine/)
})
