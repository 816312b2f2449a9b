/**
 * Batches of flat schemas are checked on their bytes (flat-batch) instead of through apache-arrow's
 * reader. The two ways must agree on everything bufctl derives from a batch: which batches pass,
 * where damage is found, the rows they hold, the invalid UTF-8 counted and the partition runs.
 * Held together here on the exporter's tables, other writers' flat columns, and seeded mutations
 * of both (the corruption fuzz's).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { Field, Int32, List, RecordBatch, Schema, Struct, Table, Utf8, makeData, tableToIPC, vectorFromArray, type DataType } from 'apache-arrow'
import { bytesSource, checkedBatches, checkedColumns, checkedFrames, scanStream, type StreamScan } from '../../src/lib/format/index.js'
import { recordBatchColumns, type BatchColumns } from '../../src/lib/format/batch-columns.js'
import { flatLayout, readFlatBatch } from '../../src/lib/format/flat-batch.js'
import { fieldList } from '../../src/lib/format/batch-codec.js'
import { unsupportedIn } from '../../src/lib/format/type-support.js'
import { invalidUtf8 } from '../../src/lib/format/utf8-repair.js'
import { partitionRuns } from '../../src/lib/sink/partitioning.js'
import { BatchDecodeError, bytesRangeReader } from '../../src/lib/format/stream-batches.js'
import { ByteBuffer } from 'flatbuffers'
import { Message } from 'apache-arrow/fb/message'
import { RecordBatch as RecordBatchHeader } from 'apache-arrow/fb/record-batch'
import { mutate } from '../helpers/mutations.js'
import { rounds, seededRandom } from '../helpers/random.js'
import { FIXTURES, readParquetRows } from '../helpers/spill.js'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'
import { typeCorpus } from '../helpers/type-corpus.js'
import { generalBatch } from '../fixtures/general-data.js'

interface Original {
  readonly label: string
  readonly table: string
  readonly bytes: Uint8Array
  /** The stream is flat: its batches must take the flat way. */
  readonly flat: boolean
}

const EXPORTER_FILES = [
  'clean/otel_logs/pending-000001.ipc',
  'clean/otel_traces/pending-000001.ipc',
  'clean/otel_metrics_histogram/pending-000001.ipc',
  'crashed/otel_logs/pending-000004.ipc',
]
/** Flat columns of other writers (apache-arrow's), one type each. */
const FLAT_CORPUS = [
  'Bool',
  'Int8',
  'Int16',
  'Int32',
  'Uint8',
  'Uint32',
  'Float16',
  'Float32',
  'Float64',
  'Int64',
  'Uint64',
  'Decimal32',
  'Decimal64',
  'Decimal128',
  'Decimal256',
  'Date32',
  'Date64',
  'Time32<SECOND>',
  'Time64<NANOSECOND>',
  'Timestamp<SECOND>',
  'Timestamp<NANOSECOND, Europe/Paris>',
  'Duration<MILLISECOND>',
  'Interval<YEAR_MONTH>',
  'Interval<DAY_TIME>',
  'Binary',
  'LargeBinary',
  'FixedSizeBinary',
  'Utf8',
  'LargeUtf8',
]
/** Not judged on their bytes: nested, dictionary-encoded, views, the Null type, compressed bodies. */
const GENERAL_CORPUS = ['Null', 'Utf8View', 'List<Int32>', 'Struct', 'Map<Utf8, Int32>', 'Dictionary<Int8, Utf8>', 'Utf8, ZSTD-compressed', 'Utf8, LZ4_FRAME-compressed']

async function originals(): Promise<Original[]> {
  const made: Original[] = []
  for (const file of EXPORTER_FILES) made.push({ label: file, table: file.split('/')[1]!, bytes: new Uint8Array(await readFile(join(FIXTURES, file))), flat: true })
  const corpus = await typeCorpus()
  for (const [names, flat] of [
    [FLAT_CORPUS, true],
    [GENERAL_CORPUS, false],
  ] as const) {
    for (const name of names) {
      const entry = corpus.find((candidate) => candidate.name === name)
      assert.ok(entry, `the type corpus has ${name}`)
      made.push({ label: name, table: 'other_writer', bytes: entry.bytes, flat })
    }
  }
  made.push({
    label: 'general app_logs, dictionaries',
    table: 'app_logs',
    bytes: tableToIPC(new Table([generalBatch('app_logs', 0, 10), generalBatch('app_logs', 10, 12)]), 'stream'),
    flat: false,
  })
  return made
}

/** Made once: the type corpus registers compression codecs while it writes. */
const ORIGINALS = originals()

/**
 * What bufctl derives from each batch, and where checking stopped: through the planner's columns
 * (checkedColumns), or through RecordBatches (checkedBatches, as ingest, dump and salvage read).
 */
async function derive(bytes: Uint8Array, scan: StreamScan, table: string, flat: boolean, via: 'columns' | 'batches' = 'columns'): Promise<unknown[]> {
  const seen: unknown[] = []
  const scratch = { buffer: new Uint8Array(0) }
  const walk =
    via === 'columns'
      ? checkedColumns(bytesRangeReader(bytes, scratch), scan, { flat })
      : mapped(checkedBatches(bytesRangeReader(bytes, scratch), scan, { flat }), (checked) => ({ ...checked, columns: recordBatchColumns(checked.batch) }))
  try {
    for await (const { frame, columns } of walk) {
      seen.push({
        offset: frame.offset,
        rows: columns.numRows,
        signature: fieldList(columns.schema),
        invalid: [...invalidUtf8(columns)],
        runs: runs(columns, table),
        values: values(columns),
      })
    }
  } catch (error) {
    if (!(error instanceof BatchDecodeError)) throw error
    seen.push({ damageAt: error.offset, reason: error.message })
  }
  return seen
}

async function* mapped<T, U>(items: AsyncIterable<T>, map: (item: T) => U): AsyncGenerator<U> {
  for await (const item of items) yield map(item)
}

function withoutReasons(seen: readonly unknown[]): unknown[] {
  return seen.map((entry) => ({ ...(entry as object), reason: undefined }))
}

function runs(batch: BatchColumns, table: string): unknown {
  const column = batch.schema.fields.find((field) => String(field.type).startsWith('Timestamp'))?.name
  return column ? partitionRuns(batch, column, 'hour', table) : undefined
}

/** Every value of every row, as text (bigints and byte arrays spelled out), from each column's Data. */
function values(columns: BatchColumns): string {
  const { schema, numRows } = columns
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: numRows, nullCount: 0, children: schema.fields.map((_, i) => columns.column(i)) }))
  let text: string
  try {
    text = JSON.stringify(
      batch.toArray().map((row) => row.toJSON() as unknown),
      (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : ArrayBuffer.isView(value) ? [...(value as Uint8Array)].join(',') : value),
    )
  } catch (error) {
    // Values apache-arrow cannot show (a date beyond 2^53 ms): the same either way.
    text = `unshowable: ${(error as Error).message}`
  }
  return createHash('sha256').update(text).digest('hex')
}

test('flat schemas: the exporter tables and flat columns take the flat way, nested and dictionary ones do not', async () => {
  for (const original of await ORIGINALS) {
    const scan = await scanStream(bytesSource(original.bytes))
    const schema = scan.messages[0]!
    const layout = flatLayout(original.bytes.subarray(schema.offset, schema.end))
    const batches = scan.messages.filter((message) => message.kind === 'recordBatch')
    const judged =
      layout && batches.map((frame) => readFlatBatch(layout, original.bytes.subarray(frame.offset, frame.end), frame.metadataOffset - frame.offset, frame.metadataLength))
    assert.equal(judged?.every((columns, index) => columns?.every((column) => column.length === batches[index]!.rows)) ?? false, original.flat, original.label)
  }
})

test('flat and general ways agree on intact streams and on seeded mutations of them', async () => {
  const random = seededRandom(Number(process.env.FUZZ_SEED ?? 20261127))
  const perOriginal = rounds('FLAT_BATCH_MUTATIONS', 120, 40)
  let damaged = 0
  let passed = 0
  for (const original of await ORIGINALS) {
    const scan = await scanStream(bytesSource(original.bytes))
    const intact = await derive(original.bytes, scan, original.table, true)
    assert.deepEqual(intact, await derive(original.bytes, scan, original.table, false), original.label)
    for (const way of [true, false]) assert.deepEqual(await derive(original.bytes, scan, original.table, way, 'batches'), intact, `${original.label}: RecordBatches`)
    for (let round = 0; round < perOriginal; round++) {
      const mutation = mutate(original.bytes, scan, random)
      const mutated = await scanStream(bytesSource(mutation.bytes))
      // A schema bufctl refuses as unsupported never reaches batch checking.
      const schema = mutated.messages[0]
      if (schema && unsupportedIn(mutation.bytes.subarray(schema.offset, schema.end))) continue
      const flat = await derive(mutation.bytes, mutated, original.table, true)
      const general = await derive(mutation.bytes, mutated, original.table, false)
      // The reasons may be worded differently; where and whether damage is found may not.
      assert.deepEqual(withoutReasons(flat), withoutReasons(general), `${original.label}: ${mutation.label}: ${JSON.stringify([flat.at(-1), general.at(-1)])}`)
      if (flat.some((entry) => (entry as { damageAt?: number }).damageAt !== undefined)) damaged++
      else passed++
    }
  }
  // Both outcomes occur, so the agreement covers damage found in bodies as well as batches kept.
  assert.ok(damaged > 10 && passed > 10, `${damaged} mutations found damaged, ${passed} passed`)
})

test('checkedFrames: the same batches pass and the same damage stops it as checkedBatches', async () => {
  const random = seededRandom(7)
  for (const original of (await ORIGINALS).slice(0, 3)) {
    const scan = await scanStream(bytesSource(original.bytes))
    for (let round = 0; round < 30; round++) {
      const mutation = mutate(original.bytes, scan, random)
      const mutated = await scanStream(bytesSource(mutation.bytes))
      const outcome = async (walk: AsyncIterable<{ readonly frame: { readonly offset: number } }>) => {
        const offsets: number[] = []
        try {
          for await (const { frame } of walk) offsets.push(frame.offset)
        } catch (error) {
          if (!(error instanceof BatchDecodeError)) throw error
          offsets.push(-error.offset)
        }
        return offsets
      }
      const scratch = { buffer: new Uint8Array(0) }
      assert.deepEqual(
        await outcome(checkedFrames(bytesRangeReader(mutation.bytes, scratch), mutated)),
        await outcome(checkedBatches(bytesRangeReader(mutation.bytes, scratch), mutated)),
        `${original.label}: ${mutation.label}`,
      )
    }
  }
})

test('a column whose row count differs from its batch is damage at that message, for flat and nested schemas alike', async () => {
  const flat = new Uint8Array(await readFile(join(FIXTURES, 'crashed/otel_logs/pending-000005.ipc')))
  const dictionaries = tableToIPC(new Table([generalBatch('app_logs', 0, 10), generalBatch('app_logs', 10, 12)]), 'stream')
  for (const [label, original] of [
    ['flat', flat],
    ['dictionaries', dictionaries],
  ] as const) {
    const scan = await scanStream(bytesSource(original))
    const batches = scan.messages.filter((message) => message.kind === 'recordBatch')
    const second = batches[1]!
    // The third column's field node of the second batch claims one row more than the batch has.
    const bytes = original.slice()
    const header = Message.getRootAsMessage(new ByteBuffer(bytes.subarray(second.metadataOffset, second.metadataOffset + second.metadataLength)))
    const node = (header.header(new RecordBatchHeader()) as RecordBatchHeader).nodes(2)!
    new DataView(bytes.buffer).setBigInt64(second.metadataOffset + node.bb_pos, BigInt(second.rows + 1), true)
    const damaged = await scanStream(bytesSource(bytes))
    assert.equal(damaged.damage?.offset, second.offset, label)
    assert.match(damaged.damage.reason, new RegExp(`column 3 of the record batch claims ${second.rows + 1} rows, the batch ${second.rows}`), label)
    // Salvage keeps the first batch, whichever way it is read.
    for (const way of [true, false]) {
      const kept: number[] = []
      for await (const { frame } of checkedBatches(bytesRangeReader(bytes, { buffer: new Uint8Array(0) }), damaged, { flat: way })) kept.push(frame.offset)
      assert.deepEqual(kept, [batches[0]!.offset], `${label}, flat way ${way}`)
    }
  }
})

/** A stream of three batches of `type` (the middle one without rows) whose empty batch's offsets buffer is given no bytes. */
async function withEmptyOffsets(type: DataType, values: readonly (readonly unknown[])[]): Promise<Uint8Array> {
  const schema = new Schema([new Field('c', type, true)])
  const batch = (rows: readonly unknown[]) =>
    new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children: [vectorFromArray(rows, type).data[0]!] }))
  const bytes = tableToIPC(new Table(values.map(batch)), 'stream')
  const empty = (await scanStream(bytesSource(bytes))).messages.filter((message) => message.kind === 'recordBatch')[1]!
  const header = Message.getRootAsMessage(new ByteBuffer(bytes.subarray(empty.metadataOffset, empty.metadataOffset + empty.metadataLength)))
  // Buffers: validity, offsets, …; a Buffer struct is (offset, length).
  const offsets = (header.header(new RecordBatchHeader()) as RecordBatchHeader).buffers(1)!
  new DataView(bytes.buffer, bytes.byteOffset).setBigInt64(empty.metadataOffset + offsets.bb_pos + 8, 0n, true)
  return bytes
}

test('a batch without rows may have no offsets (as Arrow C++, Go and Rust write and read it): not damage, and every row is written', async (t) => {
  const strings = await withEmptyOffsets(new Utf8(), [['a', 'b'], [], ['c', null]])
  const lists = await withEmptyOffsets(new List(new Field('item', new Int32(), true)), [[[1], [2, 3]], [], [[4], null]])
  for (const [label, bytes] of [
    ['Utf8 (flat)', strings],
    ['List<Int32> (general)', lists],
  ] as const) {
    const scan = await scanStream(bytesSource(bytes))
    assert.equal(scan.damage, undefined, label)
    for (const flat of [true, false]) {
      const rows: number[] = []
      for await (const { frame } of checkedBatches(bytesRangeReader(bytes, { buffer: new Uint8Array(0) }), scan, { flat })) rows.push(frame.rows)
      assert.deepEqual(rows, [2, 0, 2], `${label}, flat way ${flat}`)
    }
  }
  const work = await tempDir(t)
  await mkdir(join(work, 'spill', 'other_writer'), { recursive: true })
  await writeFile(join(work, 'spill', 'other_writer', 'pending-000001.ipc'), strings)
  const run = await runCli(['recover', '--path', join(work, 'spill'), '--out', join(work, 'out'), '--granularity', 'none', '--json'], { timeoutMs: 60_000 })
  assert.equal(run.code, 0, run.stderr)
  const written = await readParquetRows(join(work, 'out'))
  assert.deepEqual(written.map((row) => row.c).sort(), ['a', 'b', 'c', null].sort())
})

test('invalid UTF-8 is counted alike both ways: plain ASCII, valid multi-byte text, an invalid byte, and a valid sequence split across two values', async () => {
  const pieces = [Buffer.from('plain'), Buffer.from('café'), Buffer.from([0x61, 0xff]), Buffer.from([0xc3]), Buffer.from([0xa9]), Buffer.from('null slot'), Buffer.from('')]
  const valid = [true, true, true, true, true, false, true]
  const offsets = Int32Array.from([0, ...pieces.map((_, i) => pieces.slice(0, i + 1).reduce((sum, piece) => sum + piece.byteLength, 0))])
  const nullBitmap = Uint8Array.of(valid.reduce((bits, ok, i) => bits | (ok ? 1 << i : 0), 0))
  const text = makeData({ type: new Utf8(), length: pieces.length, nullCount: 1, nullBitmap, valueOffsets: offsets, data: Buffer.concat(pieces) })
  const ascii = vectorFromArray(
    pieces.map((_, i) => `row ${i}`),
    new Utf8(),
  ).data[0]!
  const schema = new Schema([new Field('text', new Utf8(), true), new Field('ascii', new Utf8(), false)])
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: pieces.length, nullCount: 0, children: [text, ascii] }))
  const bytes = tableToIPC(new Table([batch]), 'stream')
  const scan = await scanStream(bytesSource(bytes))
  const flat = await derive(bytes, scan, 'other_writer', true)
  assert.deepEqual((flat[0] as { invalid: unknown }).invalid, [['text', 3]])
  assert.deepEqual(flat, await derive(bytes, scan, 'other_writer', false))
  assert.deepEqual(flat, await derive(bytes, scan, 'other_writer', true, 'batches'))
})

test('bytesRangeReader: one range of bytes in memory is read as a view of them, several are joined in the scratch', async () => {
  const bytes = Uint8Array.from({ length: 64 }, (_, i) => i)
  const scratch = { buffer: new Uint8Array(0) }
  const read = bytesRangeReader(bytes, scratch)
  const one = await read([{ start: 8, end: 24 }])
  assert.equal(one.buffer, bytes.buffer, 'a view, not a copy')
  assert.deepEqual([...one], [...bytes.subarray(8, 24)])
  const joined = await read([
    { start: 0, end: 8 },
    { start: 40, end: 48 },
  ])
  assert.equal(joined.buffer, scratch.buffer.buffer)
  assert.deepEqual([...joined], [...bytes.subarray(0, 8), ...bytes.subarray(40, 48)])
})
