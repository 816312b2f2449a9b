/**
 * Walks a scanned stream batch by batch: each record batch is decoded from its own small IPC
 * stream (the schema, the dictionaries in force, the batch — zero-copy views) and checked against
 * its buffers. Read from a file, memory stays at one batch whatever the file's size. The one way
 * bufctl decodes stored batches: the flush/recover planner, the disk store's drain, ingest's
 * checks and status --deep all go through here.
 */
import type { FileHandle } from 'node:fs/promises'
import { RecordBatchReader, type RecordBatch, type Schema } from 'apache-arrow'
import type { MessageFrame, StreamScan } from './ipc-framing.js'
import { assertBatchIntegrity } from './batch-integrity.js'
import { registerCodecs } from './codecs.js'

export interface ByteRange {
  readonly start: number
  readonly end: number
}

export interface CheckedBatch {
  readonly frame: MessageFrame
  readonly batch: RecordBatch
  readonly schema: ByteRange
  /** Dictionary messages in force for this batch, in stream order. */
  readonly dictionaries: readonly ByteRange[]
  /** One of those dictionary messages has a compressed body. */
  readonly dictionaryCompressed: boolean
}

/** A complete message that cannot be decoded, or decodes to something its buffers cannot back. */
export class BatchDecodeError extends Error {
  constructor(
    readonly offset: number,
    reason: string,
  ) {
    super(reason)
  }
}

/** Reads byte ranges into one buffer: the IPC stream of one batch. */
export type RangeReader = (ranges: readonly ByteRange[]) => Promise<Uint8Array>

/**
 * Ranges of an open file. With `reuse`, every read overwrites one buffer: a batch decoded from it
 * is valid only until the next read (right for checking or counting, wrong for keeping).
 */
export function fileRangeReader(handle: FileHandle, options: { readonly reuse: boolean }): RangeReader {
  const scratch = options.reuse ? { buffer: new Uint8Array(0) } : undefined
  return (ranges) => readRanges(handle, ranges, scratch)
}

/**
 * Ranges of bytes already in memory, joined in `scratch` (reused, and grown, by every read of every
 * reader given it): a batch decoded from it is valid only until the next read.
 */
export function bytesRangeReader(bytes: Uint8Array, scratch: { buffer: Uint8Array }): RangeReader {
  return async (ranges) => {
    const joined = scratchOf(scratch, ranges)
    let at = 0
    for (const range of ranges) {
      joined.set(bytes.subarray(range.start, range.end), at)
      at += range.end - range.start
    }
    return joined
  }
}

/** Yields each record batch of the scanned stream, checked; throws BatchDecodeError at the first that fails. */
export async function* checkedBatches(read: RangeReader, scan: StreamScan): AsyncGenerator<CheckedBatch> {
  registerCodecs()
  const [schemaFrame, ...frames] = scan.messages
  if (!schemaFrame) return
  const schema = { start: schemaFrame.offset, end: schemaFrame.end }
  const live = new Map<number, MessageFrame[]>()
  for (const frame of frames) {
    if (frame.kind === 'dictionary') {
      live.set(frame.dictionaryId, frame.dictionaryDelta ? [...(live.get(frame.dictionaryId) ?? []), frame] : [frame])
      continue
    }
    const inForce = [...live.values()].flat().sort((a, b) => a.offset - b.offset)
    const dictionaries = inForce.map((d) => ({ start: d.offset, end: d.end }))
    const bytes = await read([schema, ...dictionaries, { start: frame.offset, end: frame.end }])
    let batch: RecordBatch | undefined
    try {
      batch = RecordBatchReader.from(bytes).open().next().value as RecordBatch | undefined
      if (!batch || batch.numRows !== frame.rows) throw new Error(`record batch decoded to ${batch?.numRows ?? 0} rows, metadata says ${frame.rows}`)
      assertBatchIntegrity(batch)
    } catch (error) {
      throw new BatchDecodeError(frame.offset, `cannot decode: ${error instanceof Error ? error.message : String(error)}`)
    }
    yield { frame, batch, schema, dictionaries, dictionaryCompressed: inForce.some((d) => d.compressed) }
  }
}

/** Checked batches of a stream up to its first damage, and where that is. */
export interface SalvagedBatches {
  /** The batches' schema (of the first batch); absent when there is none. */
  readonly schema?: Schema
  /** Empty unless asked to keep them. */
  readonly batches: RecordBatch[]
  readonly rows: number
  /** End of the last message kept: what salvage keeps of the file. */
  readonly validEnd: number
  /** The first damage: a message that does not decode, or framing damage after the last batch. */
  readonly damage?: { readonly offset: number; readonly reason: string }
}

/**
 * Decodes and checks every batch before the first damage. With `keep`, returns the batches (read
 * them with a reader that does not reuse its buffer); without, only counts them.
 */
export async function salvageBatches(read: RangeReader, scan: StreamScan, options: { readonly keep: boolean }): Promise<SalvagedBatches> {
  const batches: RecordBatch[] = []
  let schema: Schema | undefined
  let rows = 0
  let validEnd = scan.messages[0]?.end ?? 0
  try {
    for await (const { frame, batch } of checkedBatches(read, scan)) {
      schema ??= batch.schema
      if (options.keep) batches.push(batch)
      rows += frame.rows
      validEnd = frame.end
    }
  } catch (error) {
    if (!(error instanceof BatchDecodeError)) throw error
    return { schema, batches, rows, validEnd, damage: { offset: error.offset, reason: error.message } }
  }
  // Every complete message decoded: salvage keeps all of them (dictionaries after the last batch too).
  return { schema, batches, rows, validEnd: scan.validEnd, damage: scan.damage }
}

/**
 * Reads byte ranges of a file into one buffer (for example the IPC stream of one batch). With
 * `scratch`, its buffer is reused (and grown) instead of allocating one per call.
 */
export async function readRanges(handle: FileHandle, ranges: readonly ByteRange[], scratch?: { buffer: Uint8Array }): Promise<Uint8Array> {
  const bytes = scratch ? scratchOf(scratch, ranges) : new Uint8Array(ranges.reduce((sum, range) => sum + range.end - range.start, 0))
  let at = 0
  for (const range of ranges) {
    const { bytesRead } = await handle.read(bytes, at, range.end - range.start, range.start)
    if (bytesRead !== range.end - range.start) throw new Error(`short read at byte ${range.start}`)
    at += bytesRead
  }
  return bytes
}

/** The first bytes of `scratch` that hold `ranges` joined, growing its buffer (at least doubling) when it is too short. */
function scratchOf(scratch: { buffer: Uint8Array }, ranges: readonly ByteRange[]): Uint8Array {
  const total = ranges.reduce((sum, range) => sum + range.end - range.start, 0)
  if (scratch.buffer.byteLength < total) scratch.buffer = new Uint8Array(Math.max(total, scratch.buffer.byteLength * 2))
  return scratch.buffer.subarray(0, total)
}
