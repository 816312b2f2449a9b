/**
 * A record batch's field nodes and buffers read as Numbers (int64-pairs) say exactly what the
 * generated flatbuffer accessors say, and a value beyond 2^53 is left to the exact bigint: the
 * checks framing makes still name it to the digit.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ByteBuffer } from 'flatbuffers'
import { Message } from 'apache-arrow/fb/message'
import { RecordBatch as RecordBatchHeader } from 'apache-arrow/fb/record-batch'
import { bodyBuffers, fieldNodes, safeInt64 } from '../../src/lib/format/int64-pairs.js'
import { parseMetadata } from '../../src/lib/format/message-metadata.js'
import { scanStream, bytesSource } from '../../src/lib/format/index.js'
import { idBatch, streamBytes } from '../helpers/arrow.js'

/** The metadata bytes (a copy) of the stream's first record batch, with the accessors' view of them. */
async function firstBatchMetadata(): Promise<{ metadata: Uint8Array; header: () => RecordBatchHeader }> {
  const stream = streamBytes([idBatch(0, 5), idBatch(5, 3)])
  const scan = await scanStream(bytesSource(stream))
  const frame = scan.messages.find((message) => message.kind === 'recordBatch')!
  const metadata = stream.slice(frame.metadataOffset, frame.metadataOffset + frame.metadataLength)
  const header = () => Message.getRootAsMessage(new ByteBuffer(metadata)).header(new RecordBatchHeader()) as RecordBatchHeader
  return { metadata, header }
}

function int64Bytes(value: bigint): ByteBuffer {
  const bytes = new Uint8Array(8)
  new DataView(bytes.buffer).setBigInt64(0, value, true)
  return new ByteBuffer(bytes)
}

test('safeInt64 reads every safe integer exactly and nothing beyond ±2^53', () => {
  for (const value of [0n, 1n, -1n, 4_294_967_295n, 4_294_967_296n, -4_294_967_297n, 2n ** 53n - 1n, -(2n ** 53n)]) {
    assert.equal(safeInt64(int64Bytes(value), 0), Number(value), String(value))
  }
  for (const value of [2n ** 53n, 2n ** 63n - 1n, -(2n ** 53n) - 1n, -(2n ** 63n)]) assert.equal(safeInt64(int64Bytes(value), 0), undefined, String(value))
  // Past the end of its buffer, as the generated accessors read it: zeros.
  assert.equal(safeInt64(int64Bytes(7n), 4), 0)
})

test("a batch's field nodes and buffers read as Numbers are the generated accessors' values", async () => {
  const { header } = await firstBatchMetadata()
  const batch = header()
  const nodes = fieldNodes(batch)
  const buffers = bodyBuffers(batch)
  assert.equal(nodes.length, batch.nodesLength())
  assert.equal(buffers.length, batch.buffersLength())
  assert.ok(nodes.length > 0 && buffers.length > 0)
  for (let i = 0; i < nodes.length; i++) {
    assert.equal(nodes.first(i), Number(batch.nodes(i)!.length()))
    assert.equal(nodes.second(i), Number(batch.nodes(i)!.nullCount()))
  }
  for (let i = 0; i < buffers.length; i++) {
    assert.equal(buffers.first(i), Number(batch.buffers(i)!.offset()))
    assert.equal(buffers.second(i), Number(batch.buffers(i)!.length()))
  }
})

test('a null count or a buffer beyond 2^53 is damage, named with its exact value', async () => {
  const { metadata, header } = await firstBatchMetadata()
  const view = new DataView(metadata.buffer, metadata.byteOffset, metadata.byteLength)
  assert.equal(typeof parseMetadata(metadata), 'object')

  const huge = 2n ** 60n + 1n
  const node = header().nodes(1)!
  const nulls = view.getBigInt64(node.bb_pos + 8, true)
  view.setBigInt64(node.bb_pos + 8, huge, true)
  assert.equal(parseMetadata(metadata), `field node 1 has length 5 and null count ${huge}`)
  view.setBigInt64(node.bb_pos + 8, nulls, true)

  const buffer = header().buffers(2)!
  const length = buffer.length()
  view.setBigInt64(buffer.bb_pos, huge, true)
  assert.match(parseMetadata(metadata) as string, new RegExp(`^buffer 2 \\(${huge}\\+${length}\\) lies outside the \\d+-byte body$`))
})
