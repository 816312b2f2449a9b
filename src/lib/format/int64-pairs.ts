/**
 * A record batch's field nodes and buffers read as Numbers. Both are flatbuffer vectors of 16-byte
 * structs of two int64s (length and null count; offset and length). The generated accessors build
 * an object and two BigInts for every one of them, and every batch is checked by them: for a
 * backlog of 200-row batches that was the planner's largest cost after its reads.
 */
import type { ByteBuffer } from 'flatbuffers'
import type { RecordBatch as RecordBatchHeader } from 'apache-arrow/fb/record-batch'

/** Field offsets in RecordBatch's vtable (Message.fbs). */
const NODES_FIELD = 6
const BUFFERS_FIELD = 8

/** The struct at each index of one vector: its first and second int64 (undefined beyond ±2^53, where the caller reads the exact bigint). */
export interface Int64Pairs {
  readonly length: number
  first(index: number): number | undefined
  second(index: number): number | undefined
}

/** The batch's field nodes: first is the length, second the null count. */
export function fieldNodes(batch: RecordBatchHeader): Int64Pairs {
  return pairs(batch, NODES_FIELD)
}

/** The batch's buffers: first is the offset in the body, second the length. */
export function bodyBuffers(batch: RecordBatchHeader): Int64Pairs {
  return pairs(batch, BUFFERS_FIELD)
}

function pairs(batch: RecordBatchHeader, field: number): Int64Pairs {
  const bb = batch.bb!
  const offset = bb.__offset(batch.bb_pos, field)
  // An absent vector has no elements (the generated accessors answer null for each).
  const start = offset ? bb.__vector(batch.bb_pos + offset) : 0
  return {
    length: offset ? bb.__vector_len(batch.bb_pos + offset) : 0,
    first: (index) => safeInt64(bb, start + index * 16),
    second: (index) => safeInt64(bb, start + index * 16 + 8),
  }
}

/** Beyond this high word an int64 is not a safe integer. */
const SAFE_HIGH = 0x200000

/** The little-endian int64 at `position`, as the generated accessors read it (bytes past the end read as 0), when it is a safe integer. */
export function safeInt64(bb: ByteBuffer, position: number): number | undefined {
  const high = bb.readInt32(position + 4)
  if (high >= SAFE_HIGH || high < -SAFE_HIGH) return undefined
  return high * 0x100000000 + bb.readUint32(position)
}
