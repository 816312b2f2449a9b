/**
 * The flatbuffer metadata of one IPC message: the fields framing needs (kind, body length, rows,
 * dictionary id), and the bounds a decoder relies on, checked before anything is decoded or
 * allocated. Only the generated flatbuffer accessors of apache-arrow are loaded here.
 */
import { ByteBuffer } from 'flatbuffers'
import { Message } from 'apache-arrow/fb/message'
import { MessageHeader } from 'apache-arrow/fb/message-header'
import { RecordBatch as RecordBatchHeader } from 'apache-arrow/fb/record-batch'
import { DictionaryBatch as DictionaryBatchHeader } from 'apache-arrow/fb/dictionary-batch'
import { Schema as SchemaHeader } from 'apache-arrow/fb/schema'
import type { Field as FieldHeader } from 'apache-arrow/fb/field'
import { impossibleType, needsBytes } from './field-types.js'
import { bodyBuffers, fieldNodes } from './int64-pairs.js'

/** Highest MetadataVersion we understand (V5 = 4). */
const MAX_METADATA_VERSION = 4

export type MessageKind = 'schema' | 'dictionary' | 'recordBatch'

export interface ParsedHeader {
  kind: MessageKind
  bodyLength: number
  rows: number
  dictionaryId: number
  dictionaryDelta: boolean
  /** The body's buffers are compressed (LZ4 frame or ZSTD). */
  compressed: boolean
  /** Schema only: every row of a batch takes at least a bit of body (a column that is not all nulls by type). */
  rowsNeedBytes: boolean
  /** Schema only: the index of each top-level column's field node in a record batch. */
  columnNodes?: readonly number[]
  /** Compressed record batches: where each buffer lies in the body (each opens with its uncompressed length). */
  buffers?: readonly { readonly offset: number; readonly length: number }[]
}

/**
 * Reads the fields framing needs from a Message flatbuffer, or says why it cannot be one. With
 * `columnNodes` (the stream schema's), a record batch must give each top-level column its own row count.
 */
export function parseMetadata(metadata: Uint8Array, columnNodes?: readonly number[]): ParsedHeader | string {
  try {
    const message = Message.getRootAsMessage(new ByteBuffer(metadata))
    const version: number = message.version()
    if (version < 0 || version > MAX_METADATA_VERSION) return `unknown metadata version ${version}`
    const bodyLength = safeNumber(message.bodyLength())
    if (bodyLength === undefined) return 'body length out of range'
    const limit = metadata.byteLength
    switch (message.headerType()) {
      case MessageHeader.Schema: {
        const schema = message.header(new SchemaHeader()) as SchemaHeader | null
        const problem = schema ? checkSchema(schema, limit) : 'schema message without a schema'
        if (problem) return problem
        return {
          kind: 'schema',
          bodyLength,
          rows: 0,
          dictionaryId: -1,
          dictionaryDelta: false,
          compressed: false,
          rowsNeedBytes: rowsNeedBytes(schema!),
          columnNodes: columnNodeIndices(schema!),
        }
      }
      case MessageHeader.RecordBatch: {
        const batch = message.header(new RecordBatchHeader()) as RecordBatchHeader | null
        const rows = batch ? safeNumber(batch.length()) : undefined
        if (rows === undefined) return 'record batch without a valid row count'
        // Compressed buffers can be far smaller than their rows: the bound holds for plain bodies only.
        const compressed = batch!.compression() !== null
        const problem =
          checkRecordBatch(batch!, limit, bodyLength) ?? checkColumnLengths(batch!, rows, columnNodes) ?? (compressed ? undefined : checkRows(batch!, rows, bodyLength))
        if (problem) return problem
        return {
          kind: 'recordBatch',
          bodyLength,
          rows,
          dictionaryId: -1,
          dictionaryDelta: false,
          compressed,
          rowsNeedBytes: false,
          buffers: compressed ? bufferRanges(batch!) : undefined,
        }
      }
      case MessageHeader.DictionaryBatch: {
        const dictionary = message.header(new DictionaryBatchHeader()) as DictionaryBatchHeader | null
        const id = dictionary ? safeNumber(dictionary.id()) : undefined
        if (id === undefined) return 'dictionary batch without a valid id'
        const data = dictionary!.data()
        const problem = data ? checkRecordBatch(data, limit, bodyLength) : 'dictionary batch without data'
        if (problem) return problem
        return { kind: 'dictionary', bodyLength, rows: 0, dictionaryId: id, dictionaryDelta: dictionary!.isDelta(), compressed: data!.compression() !== null, rowsNeedBytes: false }
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
  // The first field node is always a top-level column's, and a top-level column has the batch's rows.
  const first = batch.nodesLength() > 0 ? batch.nodes(0)!.length() : undefined
  if (first !== undefined && first !== batch.length()) return `record batch claims ${batch.length()} rows, but its first column has ${first}`
  const nodes = fieldNodes(batch)
  for (let i = 0; i < nodes.length; i++) {
    const length = nodes.first(i)
    const nulls = nodes.second(i)
    const node = length === undefined || nulls === undefined ? batch.nodes(i)! : undefined
    const wrong = node ? node.length() < 0n || node.nullCount() < 0n || node.nullCount() > node.length() : length! < 0 || nulls! < 0 || nulls! > length!
    if (wrong) return `field node ${i} has length ${node?.length() ?? length} and null count ${node?.nullCount() ?? nulls}`
  }
  const buffers = bodyBuffers(batch)
  for (let i = 0; i < buffers.length; i++) {
    const start = buffers.first(i)
    const length = buffers.second(i)
    if (start !== undefined && length !== undefined && start >= 0 && length >= 0 && start + length <= bodyLength) continue
    const buffer = batch.buffers(i)!
    return `buffer ${i} (${buffer.offset()}+${buffer.length()}) lies outside the ${bodyLength}-byte body`
  }
  return undefined
}

/**
 * Every top-level column has as many rows as its batch. apache-arrow's reader would quietly cut or
 * pad a column that claims another count (and call it nullable), where the Parquet writer refuses
 * the batch: a damaged count is damage here, at this message, whichever way the batch is read.
 */
function checkColumnLengths(batch: RecordBatchHeader, rows: number, columnNodes: readonly number[] | undefined): string | undefined {
  if (!columnNodes) return undefined
  const nodes = fieldNodes(batch)
  for (let column = 0; column < columnNodes.length; column++) {
    const index = columnNodes[column]!
    // Missing nodes are the decoder's to report (it cannot read the batch at all).
    if (index >= nodes.length || nodes.first(index) === rows) continue
    return `column ${column + 1} of the record batch claims ${batch.nodes(index)!.length()} rows, the batch ${rows}`
  }
  return undefined
}

/**
 * Where each top-level column's field node lies in a record batch: nodes come depth first, one per
 * field and one per child field, except that a dictionary-encoded column has one (its indices).
 */
function columnNodeIndices(schema: SchemaHeader): number[] {
  const indices: number[] = []
  let node = 0
  for (let i = 0; i < schema.fieldsLength(); i++) {
    indices.push(node)
    // checkSchema bounded the fields to what the metadata holds, so this walk ends.
    const pending: FieldHeader[] = [schema.fields(i)!]
    while (pending.length > 0) {
      const field = pending.pop()!
      node++
      if (field.dictionary()) continue
      for (let c = 0; c < field.childrenLength(); c++) pending.push(field.children(c)!)
    }
  }
  return indices
}

/**
 * A row count the body cannot hold: every layout but the Null type spends at least a bit per row
 * in some buffer, so a batch with buffers claims at most 8 rows per body byte (plus slack for
 * padding). A damaged count (billions of rows from a few hundred bytes) is flagged here, before
 * status would report it.
 */
function checkRows(batch: RecordBatchHeader, rows: number, bodyLength: number): string | undefined {
  if (rows <= 8 * bodyLength + 64) return undefined
  for (let i = 0; i < batch.buffersLength(); i++) {
    if (batch.buffers(i)!.length() > 0n) return `record batch claims ${rows} rows, more than its ${bodyLength}-byte body can hold`
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
    const impossible = impossibleType(field)
    if (impossible) return impossible
    for (let i = 0; i < field.childrenLength(); i++) pending.push(field.children(i)!)
  }
  return undefined
}

function bufferRanges(batch: RecordBatchHeader): { offset: number; length: number }[] {
  const ranges: { offset: number; length: number }[] = []
  for (let i = 0; i < batch.buffersLength(); i++) ranges.push({ offset: Number(batch.buffers(i)!.offset()), length: Number(batch.buffers(i)!.length()) })
  return ranges
}

function rowsNeedBytes(schema: SchemaHeader): boolean {
  for (let i = 0; i < schema.fieldsLength(); i++) if (needsBytes(schema.fields(i)!)) return true
  return false
}

function safeNumber(value: bigint): number | undefined {
  return value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined
}
