/**
 * Arrow IPC stream framing: walks a stream message by message, reading only the 8-byte prefix
 * and the flatbuffer metadata of each message and skipping bodies. Row counts come from the
 * record-batch metadata. Scanning stops at the first damage — a message that runs past the end
 * of the file (a torn tail) or metadata that cannot be a valid message — and reports where the
 * complete-message prefix ends, so salvage keeps exactly the complete batches before it.
 *
 * Only the generated flatbuffer accessors of apache-arrow are loaded here, not the library, so
 * status stays cheap.
 */
import { open, type FileHandle } from 'node:fs/promises'
import { ByteBuffer } from 'flatbuffers'
import { Message } from 'apache-arrow/fb/message'
import { MessageHeader } from 'apache-arrow/fb/message-header'
import { RecordBatch as RecordBatchHeader } from 'apache-arrow/fb/record-batch'
import { DictionaryBatch as DictionaryBatchHeader } from 'apache-arrow/fb/dictionary-batch'
import { Schema as SchemaHeader } from 'apache-arrow/fb/schema'
import type { Field as FieldHeader } from 'apache-arrow/fb/field'

/** 0xFFFFFFFF: the continuation marker that precedes a message's metadata length since Arrow 0.15. */
const CONTINUATION = 0xffffffff
/** The 8-byte end-of-stream marker: continuation, then a zero metadata length. */
export const END_OF_STREAM = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0)
/** Magic that opens (and closes) the Arrow IPC *file* format. */
const FILE_MAGIC = 'ARROW1'
/** Highest MetadataVersion we understand (V5 = 4). */
const MAX_METADATA_VERSION = 4
/** Read-ahead window for scanning files: one read usually covers a prefix and its metadata. */
const WINDOW_BYTES = 64 * 1024

export type MessageKind = 'schema' | 'dictionary' | 'recordBatch'

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
}

/** Bytes past the complete-message prefix: what salvage drops. */
export function droppedBytes(scan: StreamScan): number {
  return scan.size - scan.validEnd
}

/** A random-access source of bytes: an in-memory buffer or an open file. */
export interface ByteSource {
  readonly size: number
  /** Reads up to `length` bytes at `offset` (fewer only at the end of the source). */
  read(offset: number, length: number): Promise<Uint8Array>
}

export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.byteLength,
    read: async (offset, length) => bytes.subarray(offset, Math.min(offset + length, bytes.byteLength)),
  }
}

/** A file source that reads ahead in windows, so a scan costs about one read per message. */
export function fileSource(handle: FileHandle, size: number): ByteSource {
  let windowStart = 0
  let window = new Uint8Array(0)
  return {
    size,
    async read(offset, length) {
      const want = Math.min(length, size - offset)
      if (offset >= windowStart && offset + want <= windowStart + window.byteLength) {
        return window.subarray(offset - windowStart, offset - windowStart + want)
      }
      const chunk = new Uint8Array(Math.max(want, Math.min(WINDOW_BYTES, size - offset)))
      const { bytesRead } = await handle.read(chunk, 0, chunk.byteLength, offset)
      windowStart = offset
      window = chunk.subarray(0, bytesRead)
      return window.subarray(0, Math.min(want, bytesRead))
    },
  }
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

/** Scans a whole source. Never throws for damaged content: damage is reported in the result. */
export async function scanStream(source: ByteSource): Promise<StreamScan> {
  const messages: MessageFrame[] = []
  let offset = 0
  let rows = 0
  let recordBatches = 0
  let endOfStream = false
  let damage: StreamDamage | undefined

  while (offset < source.size) {
    const step = await readFrame(source, offset, messages.length === 0)
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
    rows += step.frame.rows
    if (step.frame.kind === 'recordBatch') recordBatches++
    offset = step.frame.end
  }
  if (!damage && offset < source.size) {
    damage = { offset, kind: 'corrupt', reason: `${source.size - offset} bytes after the end-of-stream marker` }
  }
  return { size: source.size, messages, rows, recordBatches, endOfStream, validEnd: offset, damage }
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

type FrameStep = { frame: MessageFrame; endOfStream?: false } | { endOfStream: true; end: number } | { damage: StreamDamage }

async function readFrame(source: ByteSource, offset: number, first: boolean): Promise<FrameStep> {
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

  const header = parseMetadata(metadata)
  if (typeof header === 'string') return corrupt(header)
  if (first !== (header.kind === 'schema')) {
    return corrupt(first ? `expected a schema message first, found a ${header.kind} message` : 'a second schema message inside the stream')
  }
  const bodyOffset = metadataOffset + metadataLength
  if (header.bodyLength > source.size - bodyOffset) {
    return torn(`expected to read ${header.bodyLength} body bytes, but only ${source.size - bodyOffset} remain`)
  }
  return {
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
    },
  }
}

interface ParsedHeader {
  kind: MessageKind
  bodyLength: number
  rows: number
  dictionaryId: number
  dictionaryDelta: boolean
}

/** Reads the fields framing needs from a Message flatbuffer, or says why it cannot be one. */
function parseMetadata(metadata: Uint8Array): ParsedHeader | string {
  try {
    const message = Message.getRootAsMessage(new ByteBuffer(metadata))
    const version = message.version()
    if (version < 0 || version > MAX_METADATA_VERSION) return `unknown metadata version ${version}`
    const bodyLength = safeNumber(message.bodyLength())
    if (bodyLength === undefined) return 'body length out of range'
    const limit = metadata.byteLength
    switch (message.headerType()) {
      case MessageHeader.Schema: {
        const schema = message.header(new SchemaHeader()) as SchemaHeader | null
        const problem = schema ? checkSchema(schema, limit) : 'schema message without a schema'
        if (problem) return problem
        return { kind: 'schema', bodyLength, rows: 0, dictionaryId: -1, dictionaryDelta: false }
      }
      case MessageHeader.RecordBatch: {
        const batch = message.header(new RecordBatchHeader()) as RecordBatchHeader | null
        const rows = batch ? safeNumber(batch.length()) : undefined
        if (rows === undefined) return 'record batch without a valid row count'
        const problem = checkRecordBatch(batch!, limit, bodyLength)
        if (problem) return problem
        return { kind: 'recordBatch', bodyLength, rows, dictionaryId: -1, dictionaryDelta: false }
      }
      case MessageHeader.DictionaryBatch: {
        const dictionary = message.header(new DictionaryBatchHeader()) as DictionaryBatchHeader | null
        const id = dictionary ? safeNumber(dictionary.id()) : undefined
        if (id === undefined) return 'dictionary batch without a valid id'
        const data = dictionary!.data()
        const problem = data ? checkRecordBatch(data, limit, bodyLength) : 'dictionary batch without data'
        if (problem) return problem
        return { kind: 'dictionary', bodyLength, rows: 0, dictionaryId: id, dictionaryDelta: dictionary!.isDelta() }
      }
      default:
        return `unexpected message header type ${message.headerType()}`
    }
  } catch (error) {
    // The generated accessors throw RangeError on offsets outside the buffer.
    return `unreadable message metadata (${error instanceof Error ? error.message : String(error)})`
  }
}

/*
 * Bounds a decoder relies on. A flatbuffer vector cannot hold more elements than its buffer has
 * bytes for; a damaged length would otherwise make the Arrow reader build billions of objects.
 * Struct elements (FieldNode, Buffer) take 16 bytes, table offsets 4.
 */
function checkRecordBatch(batch: RecordBatchHeader, limit: number, bodyLength: number): string | undefined {
  if (batch.nodesLength() * 16 > limit) return `record batch claims ${batch.nodesLength()} field nodes in ${limit} metadata bytes`
  if (batch.buffersLength() * 16 > limit) return `record batch claims ${batch.buffersLength()} buffers in ${limit} metadata bytes`
  if (batch.variadicBufferCountsLength() * 8 > limit) return 'record batch claims more variadic buffer counts than its metadata holds'
  for (let i = 0; i < batch.nodesLength(); i++) {
    const node = batch.nodes(i)!
    if (node.length() < 0n || node.nullCount() < 0n || node.nullCount() > node.length()) return `field node ${i} has length ${node.length()} and null count ${node.nullCount()}`
  }
  for (let i = 0; i < batch.buffersLength(); i++) {
    const buffer = batch.buffers(i)!
    const start = buffer.offset()
    const end = start + buffer.length()
    if (start < 0n || buffer.length() < 0n || end > BigInt(bodyLength)) return `buffer ${i} (${start}+${buffer.length()}) lies outside the ${bodyLength}-byte body`
  }
  return undefined
}

function checkSchema(schema: SchemaHeader, limit: number): string | undefined {
  if (schema.fieldsLength() * 4 > limit || schema.customMetadataLength() * 4 > limit || schema.featuresLength() * 8 > limit) {
    return `schema claims more fields or metadata than its ${limit} bytes hold`
  }
  const pending: FieldHeader[] = []
  for (let i = 0; i < schema.fieldsLength(); i++) pending.push(schema.fields(i)!)
  // Iterative, with a budget: a damaged child offset could point back at an ancestor.
  for (let visited = 0; pending.length > 0; visited++) {
    if (visited * 4 > limit) return 'schema fields nest deeper than its metadata can hold'
    const field = pending.pop()!
    if (field.childrenLength() * 4 > limit || field.customMetadataLength() * 4 > limit) return `field ${field.name() ?? '?'} claims more children than the metadata holds`
    for (let i = 0; i < field.childrenLength(); i++) pending.push(field.children(i)!)
  }
  return undefined
}

function safeNumber(value: bigint): number | undefined {
  return value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined
}
