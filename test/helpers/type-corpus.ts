/**
 * A corpus of valid Arrow IPC streams, one column type each, generated here: with apache-arrow
 * where it writes the type, and for the types it cannot write (run-end encoded, list views) or the
 * byte order it never writes (big-endian), by writing the schema flatbuffer ourselves. Each entry
 * says whether bufctl must carry it to Parquet or refuse it as unsupported.
 */
import * as A from 'apache-arrow'
import { Builder } from 'flatbuffers'
import { Message as MessageFb } from 'apache-arrow/fb/message'
import { MessageHeader } from 'apache-arrow/fb/message-header'
import { MetadataVersion } from 'apache-arrow/fb/metadata-version'
import { Schema as SchemaFb } from 'apache-arrow/fb/schema'
import { Field as FieldFb } from 'apache-arrow/fb/field'
import { Int as IntFb } from 'apache-arrow/fb/int'
import { Type as TypeFb } from 'apache-arrow/fb/type'
import { Endianness } from 'apache-arrow/fb/endianness'
import { bytesSource, scanStream } from '../../src/lib/format/index.js'

export interface CorpusEntry {
  readonly name: string
  /** The stream: a schema, two batches of `rows` rows each, end of stream. */
  readonly bytes: Uint8Array
  readonly rows: number
  /** `write`: every row reaches Parquet; otherwise the words bufctl's refusal must contain. */
  readonly expect: 'write' | { readonly unsupported: RegExp }
}

const ROWS = 6

function stream(type: A.DataType, make: (rows: number) => A.Data, options: { compression?: A.CompressionType } = {}): Uint8Array {
  const schema = new A.Schema([new A.Field('c', type, true)])
  const batch = (rows: number) => new A.RecordBatch(schema, A.makeData({ type: new A.Struct(schema.fields), length: rows, nullCount: 0, children: [make(rows)] }))
  const writer = new A.RecordBatchStreamWriter(options.compression === undefined ? {} : { compressionType: options.compression })
  writer.write(new A.Table([batch(ROWS), batch(ROWS)]))
  writer.finish()
  return writer.toUint8Array(true)
}

const fromArray =
  (values: (rows: number) => unknown[], type: A.DataType) =>
  (rows: number): A.Data =>
    A.vectorFromArray(values(rows), type).data[0]!
const zeros =
  (type: A.DataType, width: number, Array: new (n: number) => ArrayLike<number | bigint>) =>
  (rows: number): A.Data =>
    A.makeData({ type, length: rows, nullCount: 0, data: new Array(rows * width) } as never)
const ints = (rows: number) => Array.from({ length: rows }, (_, i) => (i % 3 === 2 ? null : i))
const strings = (rows: number) => Array.from({ length: rows }, (_, i) => (i % 3 === 2 ? null : `v${i}`))

/** Replaces the type tag of the stream's first field: the rest of the stream stays as it is. */
async function retag(bytes: Uint8Array, tag: TypeFb): Promise<Uint8Array> {
  const copy = bytes.slice()
  const schemaFrame = (await scanStream(bytesSource(copy))).messages[0]!
  const { ByteBuffer } = await import('flatbuffers')
  const metadata = new ByteBuffer(copy.subarray(schemaFrame.metadataOffset, schemaFrame.metadataOffset + schemaFrame.metadataLength))
  const schema = MessageFb.getRootAsMessage(metadata).header(new SchemaFb()) as SchemaFb
  const field = schema.fields(0)!
  // Field's vtable slot 2 (byte offset 8) is type_type, a ubyte.
  const at = (field as unknown as { bb_pos: number }).bb_pos + metadata.__offset((field as unknown as { bb_pos: number }).bb_pos, 8)
  copy[schemaFrame.metadataOffset + at] = tag
  return copy
}

/** A stream whose schema says big-endian: an Int32 column; the batch messages of a little-endian one. */
function bigEndian(littleEndian: Uint8Array, schemaEnd: number): Uint8Array {
  const builder = new Builder(256)
  const name = builder.createString('c')
  IntFb.startInt(builder)
  IntFb.addBitWidth(builder, 32)
  IntFb.addIsSigned(builder, true)
  const int = IntFb.endInt(builder)
  const children = FieldFb.createChildrenVector(builder, [])
  FieldFb.startField(builder)
  FieldFb.addName(builder, name)
  FieldFb.addNullable(builder, true)
  FieldFb.addTypeType(builder, TypeFb.Int)
  FieldFb.addType(builder, int)
  FieldFb.addChildren(builder, children)
  const field = FieldFb.endField(builder)
  const fields = SchemaFb.createFieldsVector(builder, [field])
  SchemaFb.startSchema(builder)
  SchemaFb.addEndianness(builder, Endianness.Big)
  SchemaFb.addFields(builder, fields)
  const schema = SchemaFb.endSchema(builder)
  MessageFb.startMessage(builder)
  MessageFb.addVersion(builder, MetadataVersion.V5)
  MessageFb.addHeaderType(builder, MessageHeader.Schema)
  MessageFb.addHeader(builder, schema)
  MessageFb.addBodyLength(builder, 0n)
  builder.finish(MessageFb.endMessage(builder))
  const metadata = builder.asUint8Array()
  const padded = new Uint8Array(Math.ceil(metadata.byteLength / 8) * 8)
  padded.set(metadata)
  const prefix = new Uint8Array(8)
  new DataView(prefix.buffer).setUint32(0, 0xffffffff, true)
  new DataView(prefix.buffer).setInt32(4, padded.byteLength, true)
  return Uint8Array.from([...prefix, ...padded, ...littleEndian.subarray(schemaEnd)])
}

export async function typeCorpus(): Promise<CorpusEntry[]> {
  const write = (name: string, type: A.DataType, make: (rows: number) => A.Data): CorpusEntry => ({
    name,
    bytes: stream(type, make),
    rows: 2 * ROWS,
    expect: 'write',
  })
  const entries: CorpusEntry[] = [
    write('Null', new A.Null(), (rows) => A.makeData({ type: new A.Null(), length: rows, nullCount: rows })),
    write(
      'Bool',
      new A.Bool(),
      fromArray((rows) => Array.from({ length: rows }, (_, i) => (i % 3 === 2 ? null : i % 2 === 0)), new A.Bool()),
    ),
    ...(
      [
        ['Int8', new A.Int8()],
        ['Int16', new A.Int16()],
        ['Int32', new A.Int32()],
        ['Uint8', new A.Uint8()],
        ['Uint16', new A.Uint16()],
        ['Uint32', new A.Uint32()],
        ['Float16', new A.Float16()],
        ['Float32', new A.Float32()],
        ['Float64', new A.Float64()],
      ] as const
    ).map(([name, type]) => write(name, type, fromArray(ints, type))),
    write(
      'Int64',
      new A.Int64(),
      fromArray((rows) => ints(rows).map((v) => (v === null ? null : BigInt(v))), new A.Int64()),
    ),
    write(
      'Uint64',
      new A.Uint64(),
      fromArray((rows) => ints(rows).map((v) => (v === null ? null : BigInt(v))), new A.Uint64()),
    ),
    write('Decimal32', new A.Decimal(2, 8, 32), zeros(new A.Decimal(2, 8, 32), 1, Uint32Array)),
    write('Decimal64', new A.Decimal(2, 16, 64), zeros(new A.Decimal(2, 16, 64), 2, Uint32Array)),
    write('Decimal128', new A.Decimal(2, 30, 128), zeros(new A.Decimal(2, 30, 128), 4, Uint32Array)),
    write('Decimal256', new A.Decimal(2, 38, 256), zeros(new A.Decimal(2, 38, 256), 8, Uint32Array)),
    write('Date32', new A.DateDay(), zeros(new A.DateDay(), 1, Int32Array)),
    write('Date64', new A.DateMillisecond(), zeros(new A.DateMillisecond(), 1, BigInt64Array)),
    write('Time32<SECOND>', new A.TimeSecond(), zeros(new A.TimeSecond(), 1, Int32Array)),
    write('Time32<MILLISECOND>', new A.TimeMillisecond(), zeros(new A.TimeMillisecond(), 1, Int32Array)),
    write('Time64<MICROSECOND>', new A.TimeMicrosecond(), zeros(new A.TimeMicrosecond(), 1, BigInt64Array)),
    write('Time64<NANOSECOND>', new A.TimeNanosecond(), zeros(new A.TimeNanosecond(), 1, BigInt64Array)),
    write('Timestamp<SECOND>', new A.TimestampSecond(), zeros(new A.TimestampSecond(), 1, BigInt64Array)),
    write('Timestamp<NANOSECOND, Europe/Paris>', new A.TimestampNanosecond('Europe/Paris'), zeros(new A.TimestampNanosecond('Europe/Paris'), 1, BigInt64Array)),
    write('Duration<MILLISECOND>', new A.DurationMillisecond(), zeros(new A.DurationMillisecond(), 1, BigInt64Array)),
    write('Duration<NANOSECOND>', new A.DurationNanosecond(), zeros(new A.DurationNanosecond(), 1, BigInt64Array)),
    {
      ...write('Interval<YEAR_MONTH>', new A.IntervalYearMonth(), zeros(new A.IntervalYearMonth(), 1, Int32Array)),
      expect: { unsupported: /unsupported type Interval<YEAR_MONTH> in column c/ },
    },
    {
      ...write('Interval<DAY_TIME>', new A.IntervalDayTime(), zeros(new A.IntervalDayTime(), 2, Int32Array)),
      expect: { unsupported: /unsupported type Interval<DAY_TIME> in column c/ },
    },
    {
      ...write('Decimal256 of 60 digits', new A.Decimal(2, 60, 256), zeros(new A.Decimal(2, 60, 256), 8, Uint32Array)),
      expect: { unsupported: /unsupported type Decimal<60, 2> \(more than 38 digits\) in column c/ },
    },
    write(
      'Binary',
      new A.Binary(),
      fromArray((rows) => Array.from({ length: rows }, (_, i) => (i % 3 === 2 ? null : Uint8Array.of(i))), new A.Binary()),
    ),
    write(
      'LargeBinary',
      new A.LargeBinary(),
      fromArray((rows) => Array.from({ length: rows }, (_, i) => (i % 3 === 2 ? null : Uint8Array.of(i))), new A.LargeBinary()),
    ),
    write('FixedSizeBinary', new A.FixedSizeBinary(4), zeros(new A.FixedSizeBinary(4), 4, Uint8Array)),
    write('Utf8', new A.Utf8(), fromArray(strings, new A.Utf8())),
    write('LargeUtf8', new A.LargeUtf8(), fromArray(strings, new A.LargeUtf8())),
    write(
      'Utf8View',
      new A.Utf8View(),
      fromArray((rows) => strings(rows).map((s) => (s === null ? null : `${s}-a-string-longer-than-twelve-bytes`)), new A.Utf8View()),
    ),
    write(
      'BinaryView',
      new A.BinaryView(),
      fromArray((rows) => Array.from({ length: rows }, (_, i) => (i % 3 === 2 ? null : new Uint8Array(i * 7))), new A.BinaryView()),
    ),
    write(
      'List<Int32>',
      new A.List(new A.Field('item', new A.Int32(), true)),
      fromArray((rows) => Array.from({ length: rows }, (_, i) => (i % 3 === 2 ? null : [i, i + 1])), new A.List(new A.Field('item', new A.Int32(), true))),
    ),
    write(
      'LargeList<Utf8>',
      new A.LargeList(new A.Field('item', new A.Utf8(), true)),
      fromArray((rows) => Array.from({ length: rows }, (_, i) => [`a${i}`]), new A.LargeList(new A.Field('item', new A.Utf8(), true))),
    ),
    write(
      'FixedSizeList<Int64, 4> with null lists',
      new A.FixedSizeList(4, new A.Field('item', new A.Int64(), true)),
      fromArray(
        (rows) => Array.from({ length: rows }, (_, i) => (i % 3 === 1 ? null : [BigInt(i), null, 2n, 3n])),
        new A.FixedSizeList(4, new A.Field('item', new A.Int64(), true)),
      ),
    ),
    write(
      'FixedSizeList<Int32>',
      new A.FixedSizeList(2, new A.Field('item', new A.Int32(), true)),
      fromArray((rows) => Array.from({ length: rows }, (_, i) => [i, i]), new A.FixedSizeList(2, new A.Field('item', new A.Int32(), true))),
    ),
  ]
  const struct = new A.Struct([new A.Field('a', new A.Int32(), true), new A.Field('b', new A.Utf8(), true)])
  entries.push(
    write(
      'Struct',
      struct,
      fromArray((rows) => Array.from({ length: rows }, (_, i) => ({ a: i, b: `b${i}` })), struct),
    ),
  )
  const map = new A.Map_(
    new A.Field('entries', new A.Struct<{ key: A.Utf8; value: A.Int32 }>([new A.Field('key', new A.Utf8(), false), new A.Field('value', new A.Int32(), true)]), false),
  )
  entries.push(
    write(
      'Map<Utf8, Int32>',
      map,
      fromArray((rows) => Array.from({ length: rows }, (_, i) => new Map([[`k${i}`, i]])), map),
    ),
  )
  const dictionary = new A.Dictionary(new A.Utf8(), new A.Int8())
  entries.push(write('Dictionary<Int8, Utf8>', dictionary, fromArray(strings, dictionary)))
  const nested = new A.List(new A.Field('item', new A.Dictionary(new A.Utf8(), new A.Int32()), true))
  entries.push(
    write(
      'List<Dictionary<Int32, Utf8>>',
      nested,
      fromArray((rows) => Array.from({ length: rows }, (_, i) => [`x${i % 2}`]), nested),
    ),
  )

  // Compressed bodies, as arrow-go, Arrow C++ and pyarrow write them on request.
  const { compressFrameSync, decompressFrameSync } = await import('lz4-napi')
  const { init, compress } = await import('@bokuweb/zstd-wasm')
  await init()
  const registered = [A.compressionRegistry.get(A.CompressionType.LZ4_FRAME), A.compressionRegistry.get(A.CompressionType.ZSTD)] as const
  A.compressionRegistry.set(A.CompressionType.LZ4_FRAME, {
    encode: (data) => new Uint8Array(compressFrameSync(Buffer.from(data))),
    decode: (data) => new Uint8Array(decompressFrameSync(Buffer.from(data))),
  })
  A.compressionRegistry.set(A.CompressionType.ZSTD, { encode: (data) => compress(data, 3), decode: undefined })
  for (const [name, compression] of [
    ['LZ4_FRAME', A.CompressionType.LZ4_FRAME],
    ['ZSTD', A.CompressionType.ZSTD],
  ] as const) {
    entries.push({ name: `Utf8, ${name}-compressed`, bytes: stream(new A.Utf8(), fromArray(strings, new A.Utf8()), { compression }), rows: 2 * ROWS, expect: 'write' })
  }
  // The registry is apache-arrow's, shared with bufctl's own decoding: leave no test encoder there.
  A.compressionRegistry.set(A.CompressionType.LZ4_FRAME, registered[0] ?? {})
  A.compressionRegistry.set(A.CompressionType.ZSTD, registered[1] ?? {})

  // What bufctl cannot take.
  entries.push({
    name: 'Interval<MONTH_DAY_NANO>',
    bytes: stream(new A.IntervalMonthDayNano(), zeros(new A.IntervalMonthDayNano(), 4, Int32Array)),
    rows: 2 * ROWS,
    expect: { unsupported: /unsupported type Interval<MONTH_DAY_NANO> in column c/ },
  })
  entries.push({
    name: 'empty Struct',
    bytes: stream(new A.Struct([]), (rows) => A.makeData({ type: new A.Struct([]), length: rows, nullCount: 0, children: [] })),
    rows: 2 * ROWS,
    expect: { unsupported: /a struct without fields/ },
  })
  const union = new A.DenseUnion([0, 1], [new A.Field('i', new A.Int32(), true), new A.Field('s', new A.Utf8(), true)])
  entries.push({
    name: 'DenseUnion',
    bytes: stream(union, (rows) => {
      const builder = A.makeBuilder({ type: union, nullValues: [] })
      for (let i = 0; i < rows; i++) (builder as unknown as { append(value: unknown, child: number): void }).append(i % 2 ? `s${i}` : i, i % 2)
      return builder.finish().flush()
    }),
    rows: 2 * ROWS,
    expect: { unsupported: /unsupported type Union in column c/ },
  })
  // apache-arrow writes none of these three: an Int32 stream retagged. bufctl refuses them from the
  // schema's type tag alone, before any layout is read, which is what these entries exercise.
  const int32 = stream(new A.Int32(), fromArray(ints, new A.Int32()))
  entries.push({ name: 'RunEndEncoded', bytes: await retag(int32, TypeFb.RunEndEncoded), rows: 2 * ROWS, expect: { unsupported: /unsupported type RunEndEncoded in column c/ } })
  entries.push({ name: 'ListView', bytes: await retag(int32, TypeFb.ListView), rows: 2 * ROWS, expect: { unsupported: /unsupported type ListView in column c/ } })
  entries.push({ name: 'LargeListView', bytes: await retag(int32, TypeFb.LargeListView), rows: 2 * ROWS, expect: { unsupported: /unsupported type LargeListView in column c/ } })
  const schemaEnd = (await scanStream(bytesSource(int32))).messages[0]!.end
  entries.push({ name: 'big-endian Int32', bytes: bigEndian(int32, schemaEnd), rows: 2 * ROWS, expect: 'write' })
  let deep: A.DataType = new A.Int32()
  for (let depth = 0; depth < 40; depth++) deep = new A.List(new A.Field('item', deep, true))
  entries.push({
    name: 'List nested 40 deep',
    bytes: stream(
      deep,
      fromArray((rows) => new Array<null>(rows).fill(null), deep),
    ),
    rows: 2 * ROWS,
    expect: { unsupported: /nested more than 32 levels/ },
  })
  return entries
}
