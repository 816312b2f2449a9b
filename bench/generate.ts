/**
 * Deterministic bench data on the exporter's logs schema: one spill root with a single pending
 * file of N rows (about 320 bytes a row in IPC), written batch by batch so that generating 10M
 * rows does not need 3 GB of memory. Usage: tsx bench/generate.ts <root> <rows>
 */
import { copyFile, mkdir, open, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Dictionary, Field, Int32, LargeUtf8, RecordBatch, Schema, Struct, TimeUnit, Timestamp, Utf8, makeData, makeVector, vectorFromArray, type Data } from 'apache-arrow'
import { encodeBatch } from '../src/lib/format/batch-codec.js'
import { END_OF_STREAM } from '../src/lib/format/index.js'

const BATCH_ROWS = 8192
const WORDS = 'request handled checkout cart payment user session order item price retry timeout upstream latency cache miss hit queue worker shard'.split(' ')
const SERVICES = ['checkout', 'cart', 'frontend', 'payment', 'shipping', 'email', 'ads', 'recommendation']
const SEVERITIES: [number, string][] = [
  [9, 'INFO'],
  [13, 'WARN'],
  [17, 'ERROR'],
  [5, 'DEBUG'],
]
const BASE_NS = BigInt(Date.UTC(2026, 10, 24, 0, 0, 0)) * 1_000_000n

export const LOGS_SCHEMA = new Schema([
  new Field('time_unix_nano', new Timestamp(TimeUnit.NANOSECOND, 'UTC'), false),
  new Field('observed_time_unix_nano', new Timestamp(TimeUnit.NANOSECOND, 'UTC'), false),
  new Field('trace_id', new Utf8(), true),
  new Field('span_id', new Utf8(), true),
  new Field('severity_number', new Int32(), false),
  new Field('severity_text', new Dictionary(new Utf8(), new Int32()), false),
  new Field('body', new Utf8(), false),
  new Field('service_name', new Dictionary(new Utf8(), new Int32()), false),
  new Field('resource_attributes', new LargeUtf8(), false),
])

function body(id: number): string {
  const words: string[] = []
  let x = id * 2654435761
  while (words.join(' ').length < 190) {
    x = (x ^ (x >>> 13)) * 1274126177
    words.push(WORDS[Math.abs(x) % WORDS.length]!)
  }
  return `${words.join(' ')} #${id}`
}

export function logsBatch(first: number, rows: number): RecordBatch {
  const ids = Array.from({ length: rows }, (_, i) => first + i)
  // 3.6 ms apart: 1M rows span one hour, 10M rows ten.
  const times = BigInt64Array.from(ids, (id) => BASE_NS + BigInt(id) * 3_600_000n)
  const ts = (values: BigInt64Array) => makeVector(makeData({ type: LOGS_SCHEMA.fields[0]!.type as Timestamp, length: rows, data: values, nullCount: 0 }))
  const hex = (id: number, width: number) => id.toString(16).padStart(width, '0')
  const columns = [
    ts(times),
    ts(times.map((t) => t + 1_000_000n)),
    vectorFromArray(
      ids.map((id) => (id % 10 === 0 ? null : hex(id * 7919, 32))),
      new Utf8(),
    ),
    vectorFromArray(
      ids.map((id) => (id % 10 === 0 ? null : hex(id, 16))),
      new Utf8(),
    ),
    makeVector(Int32Array.from(ids, (id) => SEVERITIES[id % 4]![0])),
    vectorFromArray(
      ids.map((id) => SEVERITIES[id % 4]![1]),
      LOGS_SCHEMA.fields[5]!.type,
    ),
    vectorFromArray(ids.map(body), new Utf8()),
    vectorFromArray(
      ids.map((id) => SERVICES[id % SERVICES.length]!),
      LOGS_SCHEMA.fields[7]!.type,
    ),
    vectorFromArray(
      ids.map((id) => `{"host.name":"node-${id % 16}","k8s.pod":"pod-${id % 64}","region":"eu-west-1"}`),
      new LargeUtf8(),
    ),
  ]
  return new RecordBatch(LOGS_SCHEMA, makeData({ type: new Struct(LOGS_SCHEMA.fields), length: rows, nullCount: 0, children: columns.map((c) => c.data[0] as Data) }))
}

/** Writes `<root>/otel_logs/pending-000001.ipc` with `rows` rows, one batch in memory at a time; returns its path. */
export async function generateSpill(root: string, rows: number): Promise<string> {
  const directory = join(root, 'otel_logs')
  await mkdir(directory, { recursive: true })
  const path = join(directory, 'pending-000001.ipc')
  const handle = await open(path, 'w')
  try {
    let position = 0
    for (let first = 0; first < rows; first += BATCH_ROWS) {
      const { schemaMessage, dataMessages } = await encodeBatch(logsBatch(first, Math.min(BATCH_ROWS, rows - first)), LOGS_SCHEMA)
      for (const bytes of first === 0 ? [schemaMessage, dataMessages] : [dataMessages]) {
        await handle.write(bytes, 0, bytes.byteLength, position)
        position += bytes.byteLength
      }
    }
    await handle.write(END_OF_STREAM, 0, END_OF_STREAM.byteLength, position)
  } finally {
    await handle.close()
  }
  return path
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [root, rows] = process.argv.slice(2)
  if (!root || !rows) throw new Error('usage: tsx bench/generate.ts <root> <rows>')
  console.log(await generateSpill(root, Number(rows)))
}

/**
 * The exporter's own shape (its real otel_logs schema: microsecond UTC timestamps, plain strings,
 * the default promoted attributes), `rows` rows in batches of `batchRows`, as one pending file or
 * spread over `files` pending files; returns the table directory. Rows are evenly spaced in time
 * unless `jitterUs` moves each of its two timestamps by its own pseudo-random amount below it.
 */
export async function generateExporterSpill(root: string, rows: number, batchRows: number, files = 1, jitterUs = 0): Promise<string> {
  const { batchOfColumns, valueOf } = await import('../test/fixtures/exporter-data.js')
  const { DEFAULT_PROMOTED, exporterColumns } = await import('../src/lib/format/exporter-schemas.js')
  const specs = exporterColumns('otel_logs', DEFAULT_PROMOTED.otel_logs)
  const directory = join(root, 'otel_logs')
  await mkdir(directory, { recursive: true })
  const batches = Math.ceil(rows / batchRows)
  const perFile = Math.ceil(batches / files)
  for (let file = 0; file < files; file++) {
    const handle = await open(join(directory, `pending-${String(file + 1).padStart(6, '0')}.ipc`), 'w')
    try {
      let position = 0
      const write = async (bytes: Uint8Array) => {
        await handle.write(bytes, 0, bytes.byteLength, position)
        position += bytes.byteLength
      }
      for (let batch = file * perFile; batch < Math.min(batches, (file + 1) * perFile); batch++) {
        const first = batch * batchRows
        const ids = Array.from({ length: Math.min(batchRows, rows - first) }, (_, i) => first + i)
        const columns = specs.map((spec) => ids.map((id) => (spec.name === 'body' ? body(id) : jittered(spec.name, id, valueOf('otel_logs', spec, id), jitterUs))))
        const { schemaMessage, dataMessages } = await encodeBatch(batchOfColumns('otel_logs', undefined, columns))
        if (position === 0) await write(schemaMessage)
        await write(dataMessages)
      }
      await write(END_OF_STREAM)
    } finally {
      await handle.close()
    }
  }
  return directory
}

/** A timestamp moved by a pseudo-random amount in [0, jitterUs), different for each column and row; other values as they are. */
function jittered<T>(column: string, id: number, value: T, jitterUs: number): T {
  if (jitterUs === 0 || (column !== 'time_unix_nano' && column !== 'observed_time_unix_nano')) return value
  const seed = column === 'time_unix_nano' ? id : id + 0x9e3779b9
  const hash = Math.imul(seed ^ (seed >>> 16), 0x45d9f3b) >>> 0
  return ((value as bigint) + BigInt(Math.floor((hash / 2 ** 32) * jitterUs))) as T
}

/**
 * A backlog `copies` times the size of a generated one, without generating it again: every pending
 * file of `from` copied `copies` times under fresh sequence numbers into `root` (copies, not links —
 * each is its own file, as the exporter's are), and `stream` (the same rows as one stream) written
 * as one stream holding its batches `copies` times, for the reference tool. The rows repeat; their
 * number, shape and the files' sizes are what a backlog of that many files has.
 */
export async function multiplySpill(from: string, root: string, copies: number, stream: string, streamCopy: string): Promise<void> {
  const source = join(from, 'otel_logs')
  const directory = join(root, 'otel_logs')
  await mkdir(directory, { recursive: true })
  const names = (await readdir(source)).filter((name) => /^pending-\d{6}\.ipc$/.test(name)).sort()
  let sequence = 0
  for (let copy = 0; copy < copies; copy++) {
    for (const name of names) await copyFile(join(source, name), join(directory, `pending-${String(++sequence).padStart(6, '0')}.ipc`))
  }
  // One stream: its schema message once, then every other message `copies` times, then end-of-stream.
  const bytes = await readFile(stream)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(0, true) !== 0xffffffff) throw new Error(`${stream} does not start with a continuation marker`)
  const schemaEnd = 8 + view.getInt32(4, true)
  const body = bytes.subarray(schemaEnd, bytes.byteLength - END_OF_STREAM.byteLength)
  const handle = await open(streamCopy, 'w')
  try {
    let position = 0
    for (const part of [bytes.subarray(0, schemaEnd), ...Array.from({ length: copies }, () => body), END_OF_STREAM]) {
      await handle.write(part, 0, part.byteLength, position)
      position += part.byteLength
    }
  } finally {
    await handle.close()
  }
}
