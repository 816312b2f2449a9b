import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  type Data,
  type DataType,
  Binary,
  Bool,
  DateDay,
  Dictionary,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int64,
  LargeUtf8,
  List,
  Schema,
  TimeUnit,
  Timestamp,
  Uint32,
  Uint64,
  Utf8,
} from 'apache-arrow'
import { columnEncodings, summarizeSchemaMessage } from '../../src/lib/format/schema-summary.js'
import { bytesSource, scanStream } from '../../src/lib/format/index.js'
import { decodeSchema, fieldList } from '../../src/lib/format/batch-codec.js'
import { GENERAL_SCHEMAS } from '../fixtures/general-data.js'
import { EXPORTER_TABLES, exporterSchema } from '../fixtures/exporter-data.js'
import { streamBytes } from '../helpers/arrow.js'
import { RecordBatch, Struct, Table, makeData, vectorFromArray } from 'apache-arrow'

async function schemaMessageOf(schema: Schema): Promise<Uint8Array> {
  const empty = new RecordBatch(
    schema,
    makeData({
      type: new Struct(schema.fields),
      length: 0,
      nullCount: 0,
      children: schema.fields.map((f) => makeData({ type: f.type as DataType, length: 0, nullCount: 0 } as never) as Data),
    }),
  )
  const bytes = streamBytes([empty])
  const scan = await scanStream(bytesSource(bytes))
  return bytes.subarray(0, scan.messages[0]!.end)
}

test('the flatbuffer schema summary spells every covered type exactly as fieldList does', async () => {
  const schemas = [
    ...Object.values(GENERAL_SCHEMAS),
    ...EXPORTER_TABLES.map((table) => exporterSchema(table)),
    new Schema([
      new Field('a', new Int8(), true),
      new Field('b', new Int16()),
      new Field('c', new Uint32()),
      new Field('d', new Int64()),
      new Field('e', new Uint64(), true),
      new Field('f', new Float32()),
      new Field('g', new Float64(), true),
      new Field('h', new Bool()),
      new Field('i', new Binary()),
      new Field('j', new DateDay()),
      new Field('k', new Timestamp(TimeUnit.MILLISECOND)),
      new Field('l', new Timestamp(TimeUnit.MICROSECOND, 'Europe/Paris'), true),
      new Field('m', new Dictionary(new LargeUtf8(), new Int8())),
      new Field('n', new Utf8(), true),
    ]),
  ]
  for (const schema of schemas) {
    const message = await schemaMessageOf(schema)
    assert.equal(summarizeSchemaMessage(message), fieldList(decodeSchema(message)!))
  }
})

test('a type the summary does not cover yields undefined, for apache-arrow to spell', async () => {
  const tags = vectorFromArray([['a', 'b'], ['c']], new List(new Field('item', new Utf8(), true)))
  const bytes = streamBytes([new Table({ tags }).batches[0]!])
  const message = bytes.subarray(0, (await scanStream(bytesSource(bytes))).messages[0]!.end)
  assert.equal(summarizeSchemaMessage(message), undefined)
  assert.equal(summarizeSchemaMessage(new Uint8Array([1, 2, 3])), undefined)
})

test('columnEncodings names the top-level timestamps, other numbers and identifier strings that are not dictionary-encoded, whatever else the schema holds', async () => {
  const message = await schemaMessageOf(
    new Schema([
      new Field('time_unix_nano', new Timestamp(TimeUnit.NANOSECOND, 'UTC')),
      new Field('body', new Utf8(), true),
      new Field('seen', new Timestamp(TimeUnit.MICROSECOND), true),
      new Field('coded', new Dictionary(new Timestamp(TimeUnit.SECOND), new Int8())),
      new Field('day', new DateDay()),
      new Field('count', new Int8()),
      new Field('level', new Dictionary(new Utf8(), new Int8())),
      new Field('ok', new Bool()),
      new Field('trace_id', new Utf8(), true),
      new Field('span_id', new Dictionary(new Utf8(), new Int8())),
      new Field('parent_span_id', new Int8()),
    ]),
  )
  assert.deepEqual(columnEncodings(message), { deltas: ['time_unix_nano', 'seen'], plain: ['day', 'count', 'trace_id', 'parent_span_id'] })
  assert.deepEqual(columnEncodings(await schemaMessageOf(exporterSchema('otel_logs'))), {
    deltas: ['time_unix_nano', 'observed_time_unix_nano'],
    plain: ['resource_dropped_attributes_count', 'scope_dropped_attributes_count', 'trace_id', 'span_id', 'flags', 'severity_number', 'dropped_attributes_count'],
  })
  assert.deepEqual(columnEncodings(new Uint8Array([1, 2, 3])), { deltas: [], plain: [] })
})
