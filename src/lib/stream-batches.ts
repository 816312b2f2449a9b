/**
 * Walks a scanned stream file batch by batch: each record batch is decoded from its own small IPC
 * stream (the schema, the dictionaries in force, the batch — zero-copy views) and checked against
 * its buffers. Memory stays at one batch whatever the file's size. Used by the flush/recover
 * planner and by ingest's checks.
 */
import type { FileHandle } from 'node:fs/promises'
import { RecordBatchReader, type RecordBatch } from 'apache-arrow'
import type { MessageFrame, StreamScan } from './ipc-framing.js'
import { assertBatchIntegrity } from './ipc-codec.js'

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

/**
 * Yields each record batch of the file, checked. A yielded batch is a view on a buffer that the
 * next step reuses: use it before asking for the next one, never keep it.
 */
export async function* checkedBatches(handle: FileHandle, scan: StreamScan): AsyncGenerator<CheckedBatch> {
  const scratch = { buffer: new Uint8Array(0) }
  const [schemaFrame, ...frames] = scan.messages
  if (!schemaFrame) return
  const schema = { start: schemaFrame.offset, end: schemaFrame.end }
  const live = new Map<number, MessageFrame[]>()
  for (const frame of frames) {
    if (frame.kind === 'dictionary') {
      live.set(frame.dictionaryId, frame.dictionaryDelta ? [...(live.get(frame.dictionaryId) ?? []), frame] : [frame])
      continue
    }
    const dictionaries = [...live.values()]
      .flat()
      .sort((a, b) => a.offset - b.offset)
      .map((d) => ({ start: d.offset, end: d.end }))
    const bytes = await readRanges(handle, [schema, ...dictionaries, { start: frame.offset, end: frame.end }], scratch)
    let batch: RecordBatch | undefined
    try {
      batch = RecordBatchReader.from(bytes).open().next().value as RecordBatch | undefined
      if (!batch || batch.numRows !== frame.rows) throw new Error(`record batch decoded to ${batch?.numRows ?? 0} rows, metadata says ${frame.rows}`)
      assertBatchIntegrity(batch)
    } catch (error) {
      throw new BatchDecodeError(frame.offset, `cannot decode: ${error instanceof Error ? error.message : String(error)}`)
    }
    yield { frame, batch, schema, dictionaries }
  }
}

/**
 * Reads byte ranges of a file into one buffer (for example the IPC stream of one batch). With
 * `scratch`, its buffer is reused (and grown) instead of allocating one per call.
 */
export async function readRanges(handle: FileHandle, ranges: readonly ByteRange[], scratch?: { buffer: Uint8Array }): Promise<Uint8Array> {
  const total = ranges.reduce((sum, range) => sum + range.end - range.start, 0)
  if (scratch && scratch.buffer.byteLength < total) scratch.buffer = new Uint8Array(Math.max(total, scratch.buffer.byteLength * 2))
  const bytes = scratch ? scratch.buffer.subarray(0, total) : new Uint8Array(total)
  let at = 0
  for (const range of ranges) {
    const { bytesRead } = await handle.read(bytes, at, range.end - range.start, range.start)
    if (bytesRead !== range.end - range.start) throw new Error(`short read at byte ${range.start}`)
    at += bytesRead
  }
  return bytes
}
