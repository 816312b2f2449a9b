/**
 * Arrow IPC stream framing: walks a stream message by message, reading only the 8-byte prefix
 * and the flatbuffer metadata of each message and skipping bodies. Row counts come from the
 * record-batch metadata. Scanning stops at the first damage — a message that runs past the end
 * of the file (a torn tail) or metadata that cannot be a valid message — and reports where the
 * complete-message prefix ends, so salvage keeps exactly the complete batches before it.
 *
 * Only the generated flatbuffer accessors of apache-arrow are loaded here (message-metadata), not
 * the library, so status stays cheap.
 */
import { open } from 'node:fs/promises'
import { fileSource, type ByteSource } from './byte-source.js'
import { BytesMemo } from './bytes-memo.js'
import { parseMetadata, type MessageKind, type ParsedHeader } from './message-metadata.js'

/** 0xFFFFFFFF: the continuation marker that precedes a message's metadata length since Arrow 0.15. */
const CONTINUATION = 0xffffffff
/** The 8-byte end-of-stream marker: continuation, then a zero metadata length. */
export const END_OF_STREAM = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0)
/** Magic that opens (and closes) the Arrow IPC *file* format. */
const FILE_MAGIC = 'ARROW1'

export type { MessageKind }

/** A message as a stream holds it: continuation, length, metadata padded to 8 bytes, body. */
export function frameMessage(metadata: Uint8Array, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const padded = (metadata.byteLength + 7) & ~7
  const bytes = new Uint8Array(8 + padded + body.byteLength)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, CONTINUATION, true)
  view.setInt32(4, padded, true)
  bytes.set(metadata, 8)
  bytes.set(body, 8 + padded)
  return bytes
}

/** Where the first message's metadata lies in a stream (after a continuation prefix or the legacy length-only one), and where the message ends. */
export function firstMessage(stream: Uint8Array): { readonly metadata: Uint8Array; readonly end: number } {
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength)
  const prefix = view.getUint32(0, true) === CONTINUATION ? 8 : 4
  const length = view.getInt32(prefix - 4, true)
  return { metadata: stream.subarray(prefix, prefix + length), end: prefix + length }
}

export interface MessageFrame {
  /** Offset of the message's length prefix. */
  readonly offset: number
  readonly kind: MessageKind
  /** Offset and length of the flatbuffer metadata (length includes padding). */
  readonly metadataOffset: number
  readonly metadataLength: number
  readonly bodyLength: number
  /** Offset just past the body. */
  readonly end: number
  /** Rows of a record batch (0 for other messages). */
  readonly rows: number
  /** Dictionary id of a dictionary batch (-1 for other messages). */
  readonly dictionaryId: number
  /** A dictionary batch that extends (rather than replaces) its dictionary. */
  readonly dictionaryDelta: boolean
  /** The body's buffers are compressed (LZ4 frame or ZSTD): parquet-wasm reads only uncompressed ones. */
  readonly compressed: boolean
}

export interface StreamDamage {
  /** Offset of the message where reading stopped. */
  readonly offset: number
  /** `torn`: the file ends inside a message. `corrupt`: bytes that cannot be a message. */
  readonly kind: 'torn' | 'corrupt'
  readonly reason: string
}

export interface StreamScan {
  readonly size: number
  readonly messages: readonly MessageFrame[]
  readonly rows: number
  readonly recordBatches: number
  /** The stream was closed cleanly with an end-of-stream marker. */
  readonly endOfStream: boolean
  /** End of the last complete message (or of the end-of-stream marker). */
  readonly validEnd: number
  /** Why scanning stopped before the end of the file; absent when every byte was accounted for. */
  readonly damage?: StreamDamage
  /**
   * The schema message as parsed. With a ParsedSchemas memo, files whose schema messages are the
   * same bytes share one: what is worked out from a schema can be kept by it.
   */
  readonly schemaHeader?: ParsedHeader
}

/** Bytes past the complete-message prefix: what salvage drops. */
export function droppedBytes(scan: StreamScan): number {
  return scan.size - scan.validEnd
}

export type IpcFormat = 'stream' | 'file' | 'unknown'

/** Tells the IPC file format (ARROW1 magic) from the stream format by the first bytes. */
export function detectFormat(head: Uint8Array): IpcFormat {
  if (head.byteLength >= 6 && String.fromCharCode(...head.subarray(0, 6)) === FILE_MAGIC) return 'file'
  // Writers since Arrow 0.15 open every message with the continuation marker; demanding it keeps
  // text and other binaries from passing for a stream. (The scanner still reads legacy prefixes.)
  if (head.byteLength >= 8) {
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength)
    if (view.getUint32(0, true) === CONTINUATION && view.getInt32(4, true) > 0) return 'stream'
  }
  return 'unknown'
}

/**
 * Why bytes that detectFormat calls unknown are not Arrow IPC, for the message that refuses them.
 * Parquet gets its own words: it is what an operator most often holds by mistake (bufctl's own output).
 */
export function notArrowReason(head: Uint8Array): string {
  if (head.byteLength >= 4 && String.fromCharCode(...head.subarray(0, 4)) === 'PAR1') {
    return 'it is a Parquet file (PAR1 magic); read it with a Parquet reader (DuckDB, pyarrow)'
  }
  return 'it does not start with an Arrow IPC stream message or the ARROW1 file magic'
}

/** Bytes after an IPC file's footer: its length (int32) and the closing ARROW1 magic. */
const FILE_TRAILER_BYTES = 10

/**
 * Where the footer of an IPC file begins: its stream lies between the 8-byte opening magic and
 * there. Undefined when the file has no closing magic or a footer length that cannot be (torn or truncated).
 */
export async function fileFooterStart(source: ByteSource): Promise<number | undefined> {
  if (source.size < 2 * FILE_MAGIC.length + FILE_TRAILER_BYTES - 2) return undefined
  const trailer = await source.read(source.size - FILE_TRAILER_BYTES, FILE_TRAILER_BYTES)
  const footerStart = source.size - FILE_TRAILER_BYTES - new DataView(trailer.buffer, trailer.byteOffset, 4).getInt32(0, true)
  if (String.fromCharCode(...trailer.subarray(4)) !== FILE_MAGIC || footerStart < 8 || footerStart > source.size) return undefined
  return footerStart
}

/**
 * Schema messages already parsed (or refused), by their metadata bytes: a backlog of thousands of
 * files with one schema walks its fields once, not once a file.
 */
export type ParsedSchemas = BytesMemo<ParsedHeader | string>

/**
 * Scans a source from `start` (0, or where the stream inside an IPC file begins) to its end. Never
 * throws for damaged content: damage is reported in the result.
 */
export async function scanStream(source: ByteSource, start = 0, schemas?: ParsedSchemas): Promise<StreamScan> {
  const messages: MessageFrame[] = []
  let offset = start
  let rows = 0
  let recordBatches = 0
  let endOfStream = false
  let damage: StreamDamage | undefined

  let schemaHeader: ParsedHeader | undefined
  while (offset < source.size) {
    const step = await readFrame(source, offset, messages.length === 0, schemaHeader ?? NO_SCHEMA, schemas)
    if ('damage' in step) {
      damage = step.damage
      break
    }
    if (step.endOfStream) {
      endOfStream = true
      offset = step.end
      break
    }
    messages.push(step.frame)
    if (step.header.kind === 'schema') schemaHeader = step.header
    rows += step.frame.rows
    if (step.frame.kind === 'recordBatch') recordBatches++
    offset = step.frame.end
  }
  if (!damage && offset < source.size) {
    damage = { offset, kind: 'corrupt', reason: `${source.size - offset} bytes after the end-of-stream marker` }
  }
  return { size: source.size, messages, rows, recordBatches, endOfStream, validEnd: offset, damage, schemaHeader }
}

/** Opens and scans a file, closing it on every path. */
export async function scanFile(path: string): Promise<StreamScan> {
  const handle = await open(path, 'r')
  try {
    const { size } = await handle.stat()
    return await scanStream(fileSource(handle, size))
  } finally {
    await handle.close()
  }
}

/** What the schema message (as parsed) tells framing about the record batches after it. */
type SchemaFacts = Pick<ParsedHeader, 'rowsNeedBytes' | 'columnNodes'>

/** Before a schema message: nothing. */
const NO_SCHEMA: SchemaFacts = { rowsNeedBytes: false }

type FrameStep = { frame: MessageFrame; header: ParsedHeader; endOfStream?: false } | { endOfStream: true; end: number } | { damage: StreamDamage }

async function readFrame(source: ByteSource, offset: number, first: boolean, schema: SchemaFacts, schemas?: ParsedSchemas): Promise<FrameStep> {
  const remaining = source.size - offset
  const torn = (reason: string): FrameStep => ({ damage: { offset, kind: 'torn', reason } })
  const corrupt = (reason: string): FrameStep => ({ damage: { offset, kind: 'corrupt', reason } })

  const head = await source.read(offset, 8)
  if (head.byteLength < 4) return torn(`expected a 4-byte message prefix, but only ${head.byteLength} bytes remain`)
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength)
  let prefixLength = 4
  let metadataLength = view.getInt32(0, true)
  if (view.getUint32(0, true) === CONTINUATION) {
    if (head.byteLength < 8) return torn(`expected an 8-byte message prefix, but only ${head.byteLength} bytes remain`)
    prefixLength = 8
    metadataLength = view.getInt32(4, true)
  }
  if (metadataLength === 0) {
    if (first) return corrupt('the stream ends before its schema message')
    return { endOfStream: true, end: offset + prefixLength }
  }
  if (first && detectFormat(head) === 'file') return corrupt('this is the Arrow IPC file format (ARROW1), not a stream')
  if (metadataLength < 0) return corrupt(`negative metadata length ${metadataLength}`)
  // A length past the end of the file is damage, never a reason to allocate.
  if (metadataLength > remaining - prefixLength) {
    return torn(`expected to read ${metadataLength} metadata bytes, but only ${remaining - prefixLength} remain`)
  }
  const metadataOffset = offset + prefixLength
  const metadata = await source.read(metadataOffset, metadataLength)

  const header = first && schemas ? schemas.of(metadata, (bytes) => parseMetadata(bytes)) : parseMetadata(metadata, schema.columnNodes)
  if (typeof header === 'string') return corrupt(header)
  if (first !== (header.kind === 'schema')) {
    return corrupt(first ? `expected a schema message first, found a ${header.kind} message` : 'a second schema message inside the stream')
  }
  const bodyOffset = metadataOffset + metadataLength
  if (header.bodyLength > source.size - bodyOffset) {
    return torn(`expected to read ${header.bodyLength} body bytes, but only ${source.size - bodyOffset} remain`)
  }
  // The schema says every row takes body bytes: a count beyond 8 rows per (uncompressed) body byte was never written.
  if (schema.rowsNeedBytes && header.kind === 'recordBatch' && header.rows > 8 * header.bodyLength + 64) {
    const bytes = header.buffers ? await uncompressedBytes(source, bodyOffset, header.buffers) : header.bodyLength
    if (header.rows > 8 * bytes + 64) return corrupt(`record batch claims ${header.rows} rows, more than its ${bytes}-byte body can hold`)
  }
  return {
    header,
    frame: {
      offset,
      kind: header.kind,
      metadataOffset,
      metadataLength,
      bodyLength: header.bodyLength,
      end: bodyOffset + header.bodyLength,
      rows: header.rows,
      dictionaryId: header.dictionaryId,
      dictionaryDelta: header.dictionaryDelta,
      compressed: header.compressed,
    },
  }
}

/** The body's size once decompressed: each compressed buffer opens with its uncompressed length (-1: stored as is). */
async function uncompressedBytes(source: ByteSource, bodyOffset: number, buffers: readonly { offset: number; length: number }[]): Promise<number> {
  let total = 0
  for (const buffer of buffers) {
    if (buffer.length < 8) continue
    const prefix = await source.read(bodyOffset + buffer.offset, 8)
    if (prefix.byteLength < 8) continue
    const length = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigInt64(0, true)
    total += length < 0n ? buffer.length - 8 : Number(length > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : length)
  }
  return total
}
