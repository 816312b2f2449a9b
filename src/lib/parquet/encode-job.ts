/**
 * The unit of work of the Parquet stage: one output file's rows, as pieces of record batches kept
 * where they already are — byte ranges of a stream file on disk, or of an IPC stream in memory.
 * The replay planner fills these in; the encoder only reads them.
 */
import type { ByteRange } from '../format/stream-batches.js'

export type { ByteRange }

/** Where a piece's bytes are: the path of a stream file, or an IPC stream held in memory. */
export type PieceSource = string | Uint8Array

/** Rows [offset, offset + length) of one record batch, and the bytes that rebuild the batch. */
export interface BatchPiece {
  readonly source: PieceSource
  /** The stream's schema message. */
  readonly schema: ByteRange
  /** Dictionary messages in force for this batch, in stream order. */
  readonly dictionaries: readonly ByteRange[]
  /** The record batch message. */
  readonly batch: ByteRange
  readonly batchRows: number
  readonly offset: number
  readonly length: number
  /**
   * Decode the batch in JavaScript and encode it again before it enters wasm: its body is
   * compressed (parquet-wasm reads only uncompressed IPC), or it holds invalid UTF-8 to repair.
   */
  readonly rewrite?: boolean
  /**
   * Pieces with the same key come from streams whose schema messages are byte for byte the same and
   * that have no dictionaries, so batches of several files can enter wasm as one IPC stream.
   */
  readonly streamKey?: string
}

/** How every file of a drain is written. */
export interface ParquetFormat {
  readonly compression: import('../options/output-options.js').Compression
  /** Key-value metadata for every file's footer. */
  readonly metadata?: Readonly<Record<string, string>>
  /** Parquet field ids by column path (`a`, `s.b`, `l.element`, `m.key`): an Iceberg table's, so that its readers resolve columns by id. */
  readonly fieldIds?: ReadonlyMap<string, number>
}

/**
 * One Parquet file to encode: its pieces, in order, and the rows they add up to. A job may be
 * handed over while its output is still being planned: its pieces (the same array) and rows grow
 * until it is complete.
 */
export interface EncodeJob {
  /** Rows so far: all of them once the job is complete. */
  readonly rows: number
  /** Pieces so far, in order. */
  readonly pieces: readonly BatchPiece[]
  /** False while pieces may still join; absent or true once every piece is there. */
  readonly complete?: boolean
  /** While not complete: resolves once a piece joins or the job is complete; rejects when its planning failed. */
  grown?(): Promise<void>
}

/** Whether pieces may still join the job. */
export function growing(job: EncodeJob): boolean {
  return job.complete === false
}

/** Resolves once every piece of the job is there; rejects when its planning failed. */
export async function completed(job: EncodeJob): Promise<void> {
  while (growing(job)) await job.grown!()
}
