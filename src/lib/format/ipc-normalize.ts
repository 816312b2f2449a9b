/**
 * Valid Arrow that apache-arrow and parquet-wasm do not read as it is, made into what they read:
 * - compressed bodies (ZSTD or LZ4 frame, as pyarrow, arrow-go and Arrow C++ write on request)
 *   become uncompressed messages, every buffer 8-byte aligned — apache-arrow hands a buffer stored
 *   uncompressed (length prefix -1) on at whatever offset it had, where an Int64 view cannot start;
 * - big-endian streams (Arrow C++ and pyarrow read them, swapping to native order) become
 *   little-endian: the schema says so, and every multi-byte value of every buffer is swapped.
 * Works on a small IPC stream — a schema, the dictionaries in force, a batch — message by message,
 * and returns the stream unchanged (the same bytes) when nothing needs doing.
 */
import { Builder, ByteBuffer } from 'flatbuffers'
import { Message } from 'apache-arrow/fb/message'
import { MessageHeader } from 'apache-arrow/fb/message-header'
import { RecordBatch as RecordBatchHeader } from 'apache-arrow/fb/record-batch'
import { DictionaryBatch as DictionaryBatchHeader } from 'apache-arrow/fb/dictionary-batch'
import { FieldNode } from 'apache-arrow/fb/field-node'
import { Buffer as BufferHeader } from 'apache-arrow/fb/buffer'
import { Schema as SchemaHeader } from 'apache-arrow/fb/schema'
import { Endianness } from 'apache-arrow/fb/endianness'
import { CompressionType } from 'apache-arrow/fb/compression-type'
import { bufferSwaps, swapped, type Swap } from './byte-order.js'
import { decodeLz4Frame, decodeZstd } from './codecs.js'
import { frameMessage } from './ipc-framing.js'

const CONTINUATION = 0xffffffff
/** A compressed buffer's length prefix that says the bytes after it are stored as they are. */
const STORED = -1n

interface Message_ {
  readonly metadata: Uint8Array
  readonly body: Uint8Array
}

/** Whether a small IPC stream needs normalizing at all (decided from metadata, without touching a body). */
export function needsNormalizing(stream: Uint8Array): boolean {
  for (const { metadata } of messages(stream)) {
    const message = Message.getRootAsMessage(new ByteBuffer(metadata))
    if (message.headerType() === MessageHeader.Schema && (message.header(new SchemaHeader()) as SchemaHeader).endianness() === Endianness.Big) return true
    if (batchHeader(message)?.compression()) return true
  }
  return false
}

/** The stream with every body uncompressed and little-endian (see above); the same bytes when nothing needed doing. */
export function normalizedStream(stream: Uint8Array): Uint8Array {
  if (!needsNormalizing(stream)) return stream
  return rewriteStream(stream, (metadata, schema) => {
    const bigEndian = schema.endianness() === Endianness.Big
    return { metadata: bigEndian ? littleEndianSchema(metadata, schema) : metadata, swap: bigEndian }
  })
}

/**
 * The stream with every body's multi-byte values in the other byte order and `schemaMetadata` as
 * its schema message: how the tests make big-endian streams out of little-endian ones (no writer
 * they run writes big-endian).
 */
export function withBodiesSwapped(stream: Uint8Array, schemaMetadata: Uint8Array): Uint8Array {
  return rewriteStream(stream, () => ({ metadata: schemaMetadata, swap: true }))
}

/**
 * Every message of the stream again: the schema's metadata as `onSchema` says, each batch's body
 * uncompressed, 8-byte aligned, and byte-swapped when `onSchema` asked for it.
 */
function rewriteStream(stream: Uint8Array, onSchema: (metadata: Uint8Array, schema: SchemaHeader) => { metadata: Uint8Array; swap: boolean }): Uint8Array {
  const parts: Uint8Array[] = []
  let schema: SchemaHeader | undefined
  let swap = false
  for (const { metadata, body } of messages(stream)) {
    const message = Message.getRootAsMessage(new ByteBuffer(metadata))
    const batch = batchHeader(message)
    if (message.headerType() === MessageHeader.Schema) {
      schema = message.header(new SchemaHeader()) as SchemaHeader
      const rewritten = onSchema(metadata, schema)
      swap = rewritten.swap
      parts.push(frameMessage(rewritten.metadata, new Uint8Array(0)))
    } else if (batch && schema) parts.push(rebuilt(message, batch, body, swap ? bufferSwaps(schema, message, batch) : undefined))
    else parts.push(frameMessage(metadata, body))
  }
  parts.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0))
  return concat(parts)
}

function batchHeader(message: Message): RecordBatchHeader | null {
  if (message.headerType() === MessageHeader.RecordBatch) return message.header(new RecordBatchHeader()) as RecordBatchHeader
  if (message.headerType() === MessageHeader.DictionaryBatch) return (message.header(new DictionaryBatchHeader()) as DictionaryBatchHeader).data()
  return null
}

/** The messages of a stream that framing has already checked (continuation or legacy prefix), up to its end. */
function* messages(stream: Uint8Array): Generator<Message_> {
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength)
  for (let at = 0; at + 4 <= stream.byteLength;) {
    let prefix = 4
    let length = view.getInt32(at, true)
    if (length === -1 || view.getUint32(at, true) === CONTINUATION) {
      prefix = 8
      length = at + 8 <= stream.byteLength ? view.getInt32(at + 4, true) : 0
    }
    if (length <= 0) return
    const metadata = stream.subarray(at + prefix, at + prefix + length)
    const bodyLength = Number(Message.getRootAsMessage(new ByteBuffer(metadata)).bodyLength())
    const bodyStart = at + prefix + length
    yield { metadata, body: stream.subarray(bodyStart, bodyStart + bodyLength) }
    at = bodyStart + bodyLength
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0))
  let at = 0
  for (const part of parts) {
    bytes.set(part, at)
    at += part.byteLength
  }
  return bytes
}

/** The schema metadata with its endianness field set to little (a copy: the field is stored, so it is rewritten in place). */
function littleEndianSchema(metadata: Uint8Array, schema: SchemaHeader): Uint8Array {
  const copy = metadata.slice()
  const table = schema as unknown as { bb_pos: number; bb: ByteBuffer }
  // Schema's vtable slot 0 (byte offset 4) is endianness, a short.
  const offset = table.bb.__offset(table.bb_pos, 4)
  if (offset !== 0) new DataView(copy.buffer).setInt16(table.bb_pos + offset, Endianness.Little, true)
  return copy
}

/**
 * The message again, its body uncompressed (and swapped to little-endian when `swaps` is given),
 * each buffer starting at a multiple of 8.
 */
function rebuilt(message: Message, batch: RecordBatchHeader, body: Uint8Array, swaps: readonly Swap[] | undefined): Uint8Array {
  const codec = batch.compression()?.codec()
  const buffers: Uint8Array[] = []
  for (let i = 0; i < batch.buffersLength(); i++) {
    const region = batch.buffers(i)!
    let bytes = body.subarray(Number(region.offset()), Number(region.offset() + region.length()))
    if (codec !== undefined && bytes.byteLength > 0) bytes = decompressed(bytes, codec)
    const swap = swaps?.[i]
    buffers.push(swap && swap.kind !== 'none' ? swapped(bytes, swap) : bytes)
  }
  const offsets: number[] = []
  let size = 0
  for (const buffer of buffers) {
    offsets.push(size)
    size = (size + buffer.byteLength + 7) & ~7
  }
  const newBody = new Uint8Array(size)
  buffers.forEach((buffer, i) => newBody.set(buffer, offsets[i]))

  const builder = new Builder(1024)
  const nodes: { length: bigint; nullCount: bigint }[] = []
  for (let i = 0; i < batch.nodesLength(); i++) nodes.push({ length: batch.nodes(i)!.length(), nullCount: batch.nodes(i)!.nullCount() })
  const variadic: bigint[] = []
  for (let i = 0; i < batch.variadicBufferCountsLength(); i++) variadic.push(batch.variadicBufferCounts(i)!)
  const variadicOffset = variadic.length > 0 ? RecordBatchHeader.createVariadicBufferCountsVector(builder, variadic) : 0
  RecordBatchHeader.startNodesVector(builder, nodes.length)
  for (const node of [...nodes].reverse()) FieldNode.createFieldNode(builder, node.length, node.nullCount)
  const nodesOffset = builder.endVector()
  RecordBatchHeader.startBuffersVector(builder, buffers.length)
  for (let i = buffers.length - 1; i >= 0; i--) BufferHeader.createBuffer(builder, BigInt(offsets[i]!), BigInt(buffers[i]!.byteLength))
  const buffersOffset = builder.endVector()
  RecordBatchHeader.startRecordBatch(builder)
  RecordBatchHeader.addLength(builder, batch.length())
  RecordBatchHeader.addNodes(builder, nodesOffset)
  RecordBatchHeader.addBuffers(builder, buffersOffset)
  if (variadicOffset) RecordBatchHeader.addVariadicBufferCounts(builder, variadicOffset)
  let header = RecordBatchHeader.endRecordBatch(builder)
  if (message.headerType() === MessageHeader.DictionaryBatch) {
    const dictionary = message.header(new DictionaryBatchHeader()) as DictionaryBatchHeader
    DictionaryBatchHeader.startDictionaryBatch(builder)
    DictionaryBatchHeader.addId(builder, dictionary.id())
    DictionaryBatchHeader.addData(builder, header)
    DictionaryBatchHeader.addIsDelta(builder, dictionary.isDelta())
    header = DictionaryBatchHeader.endDictionaryBatch(builder)
  }
  Message.finishMessageBuffer(builder, Message.createMessage(builder, message.version(), message.headerType(), header, BigInt(size), 0))
  return frameMessage(builder.asUint8Array(), newBody)
}

/** A compressed buffer's bytes: its 8-byte uncompressed length, then the frame (or, with length -1, the bytes as they are). */
function decompressed(bytes: Uint8Array, codec: CompressionType): Uint8Array {
  const length = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigInt64(0, true)
  const rest = bytes.subarray(8)
  if (length === STORED) return rest
  const plain = codec === CompressionType.ZSTD ? decodeZstd(rest) : decodeLz4Frame(rest)
  // apache-arrow (JavaScript) compresses a buffer with its padding and records the length without it: the padding goes.
  if (BigInt(plain.byteLength) < length) throw new Error(`a compressed buffer says ${length} bytes, it holds ${plain.byteLength}`)
  return plain.subarray(0, Number(length))
}
