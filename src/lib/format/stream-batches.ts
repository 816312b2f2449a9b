/**
 * Walks a scanned stream batch by batch, checking each record batch against its buffers. Batches of
 * flat schemas (the exporter's) are checked on their bytes (flat-batch) and wrapped zero-copy; the
 * rest are decoded from their own small IPC stream (the schema, the dictionaries in force, the
 * batch) by apache-arrow and checked after (batch-integrity). Read from a file, memory stays at one
 * batch whatever the file's size. The one way bufctl decodes stored batches: the flush/recover
 * planner, the disk store's drain, ingest's checks and status --deep all go through here.
 */
import type { FileHandle } from 'node:fs/promises'
import { RecordBatchReader, type RecordBatch, type Schema } from 'apache-arrow'
import type { MessageFrame, StreamScan } from './ipc-framing.js'
import { assertBatchIntegrity } from './batch-integrity.js'
import { decodeSchema } from './batch-codec.js'
import { registerCodecs } from './codecs.js'
import { normalizedStream } from './ipc-normalize.js'
import { flatLayout, readFlatBatch, type FlatColumnLayout } from './flat-batch.js'
import { readFullySync } from '../fs-util.js'
import { BytesMemo } from './bytes-memo.js'
import { FlatBatchColumns, flatRecordBatch, recordBatchColumns, type BatchColumns } from './batch-columns.js'

export interface ByteRange {
  readonly start: number
  readonly end: number
}

/** A record batch message that passed the checks, and what a reader needs to rebuild it. */
export interface CheckedFrame {
  readonly frame: MessageFrame
  readonly schema: ByteRange
  /** Dictionary messages in force for this batch, in stream order. */
  readonly dictionaries: readonly ByteRange[]
  /** One of those dictionary messages has a compressed body. */
  readonly dictionaryCompressed: boolean
}

export interface CheckedBatch extends CheckedFrame {
  readonly batch: RecordBatch
}

export interface CheckedColumns extends CheckedFrame {
  readonly columns: BatchColumns
}

/** What a walk builds of each checked batch: a RecordBatch, its columns (batch-columns), or nothing. */
type Build = 'batch' | 'columns' | 'frame'

export interface CheckOptions {
  /** Check batches of flat schemas on their bytes (flat-batch) rather than decoding them with apache-arrow first. @default true */
  readonly flat?: boolean
  /** Schemas already read, by their message's bytes: a drain of thousands of files with one schema then reads it once. */
  readonly schemas?: FlatSchemas
}

/** What a schema message is to the flat path: its layout and apache-arrow schema, or null when it is not flat. */
export type FlatSchemas = BytesMemo<FlatSchema | null>

interface FlatSchema {
  readonly layout: readonly FlatColumnLayout[]
  readonly schema: Schema
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
 * Ranges of a file open as `fd`, read with read(2) on the calling thread into `scratch` (reused and
 * grown as bytesRangeReader's): for a planner that reads thousands of batches, where a thread-pool
 * round trip for each costs more than the read.
 */
export function descriptorRangeReader(fd: number, scratch: { buffer: Uint8Array }): RangeReader {
  return scratchRangeReader(scratch, (into, at, { start, end }) => {
    if (readFullySync(fd, into, at, end - start, start) !== end - start) throw new Error(`short read at byte ${start}`)
  })
}

/**
 * Ranges of bytes already in memory: one range as a view of them, several joined in `scratch`
 * (reused, and grown, by every read of every reader given it): a batch decoded from a read is
 * valid only until the next read.
 */
export function bytesRangeReader(bytes: Uint8Array, scratch: { buffer: Uint8Array }): RangeReader {
  const joined = scratchRangeReader(scratch, (into, at, range) => into.set(bytes.subarray(range.start, range.end), at))
  // A batch of a small file read whole is one range: copying it again cost 512 MiB of copying for a
  // backlog of 5,000 files. Readers only read what they are given.
  return async (ranges) => (ranges.length === 1 ? bytes.subarray(ranges[0]!.start, ranges[0]!.end) : joined(ranges))
}

/** Ranges joined one after another in `scratch`, each copied in by `fill` at its place. */
function scratchRangeReader(scratch: { buffer: Uint8Array }, fill: (into: Uint8Array, at: number, range: ByteRange) => void): RangeReader {
  return async (ranges) => {
    const joined = scratchOf(scratch, ranges)
    let at = 0
    for (const range of ranges) {
      fill(joined, at, range)
      at += range.end - range.start
    }
    return joined
  }
}

/** Yields each record batch of the scanned stream, checked and decoded; throws BatchDecodeError at the first that fails. */
export async function* checkedBatches(read: RangeReader, scan: StreamScan, options: CheckOptions = {}): AsyncGenerator<CheckedBatch> {
  for await (const checked of checkMessages(read, scan, 'batch', options)) yield checked as CheckedBatch
}

/** As checkedBatches, with each batch's columns instead of a RecordBatch: what a planner reads of it, without building one. */
export async function* checkedColumns(read: RangeReader, scan: StreamScan, options: CheckOptions = {}): AsyncGenerator<CheckedColumns> {
  for await (const checked of checkMessages(read, scan, 'columns', options)) yield checked as CheckedColumns
}

/** Yields each record batch message of the scanned stream once it is checked, without building its rows where that can be avoided. */
export async function* checkedFrames(read: RangeReader, scan: StreamScan): AsyncGenerator<CheckedFrame> {
  yield* checkMessages(read, scan, 'frame', {})
}

async function* checkMessages(
  read: RangeReader,
  scan: StreamScan,
  build: Build,
  options: CheckOptions,
): AsyncGenerator<CheckedFrame & { readonly batch?: RecordBatch; readonly columns?: BatchColumns }> {
  registerCodecs()
  const [schemaFrame, ...frames] = scan.messages
  if (!schemaFrame) return
  const schema = { start: schemaFrame.offset, end: schemaFrame.end }
  const flat = (options.flat ?? true) && frames.length > 0 ? await flatSchema(read, schema, options.schemas) : undefined
  const live = new Map<number, MessageFrame[]>()
  for (const frame of frames) {
    if (frame.kind === 'dictionary') {
      live.set(frame.dictionaryId, frame.dictionaryDelta ? [...(live.get(frame.dictionaryId) ?? []), frame] : [frame])
      continue
    }
    const inForce = [...live.values()].flat().sort((a, b) => a.offset - b.offset)
    const dictionaries = inForce.map((d) => ({ start: d.offset, end: d.end }))
    const dictionaryCompressed = inForce.some((d) => d.compressed)
    if (flat && inForce.length === 0 && !frame.compressed) {
      const message = await read([{ start: frame.offset, end: frame.end }])
      const columns = decodeOrThrow(frame, () => readFlatBatch(flat.layout, message, frame.metadataOffset - frame.offset, frame.metadataLength))
      if (columns) {
        const built =
          build === 'columns'
            ? { columns: new FlatBatchColumns(flat.schema, frame.rows, columns) }
            : build === 'batch'
              ? { batch: flatRecordBatch(flat.schema, frame.rows, columns) }
              : {}
        yield { frame, schema, dictionaries, dictionaryCompressed, ...built }
        continue
      }
    }
    const bytes = await read([schema, ...dictionaries, { start: frame.offset, end: frame.end }])
    const batch = decodeOrThrow(frame, () => {
      // Compressed or big-endian bodies are made into what apache-arrow reads first (ipc-normalize).
      const decoded = RecordBatchReader.from(normalizedStream(bytes)).open().next().value as RecordBatch | undefined
      if (!decoded || decoded.numRows !== frame.rows) throw new Error(`record batch decoded to ${decoded?.numRows ?? 0} rows, metadata says ${frame.rows}`)
      assertBatchIntegrity(decoded)
      return decoded
    })
    yield { frame, schema, dictionaries, dictionaryCompressed, ...(build === 'columns' ? { columns: recordBatchColumns(batch) } : { batch }) }
  }
}

/** Runs a decode step; whatever it throws is damage at this frame (BatchDecodeError). */
function decodeOrThrow<T>(frame: MessageFrame, step: () => T): T {
  try {
    return step()
  } catch (error) {
    throw new BatchDecodeError(frame.offset, `cannot decode: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/**
 * The stream's flat layout and its apache-arrow schema, or undefined when the schema is not flat.
 * The schema is decoded once for the whole stream (and once for all streams sharing `known`); one
 * apache-arrow cannot read is left to the general way, which reports it as it always has.
 */
async function flatSchema(read: RangeReader, range: ByteRange, known: FlatSchemas = new BytesMemo()): Promise<FlatSchema | undefined> {
  const flat = known.of(await read([range]), (message) => {
    // A copy: the reader may reuse its buffer, and the decoded schema keeps views of it.
    const bytes = message.slice()
    const layout = flatLayout(bytes)
    const schema = layout && decodeSchema(bytes)
    return layout && schema?.fields.length === layout.length ? { layout, schema } : null
  })
  return flat ?? undefined
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
