/**
 * The first pass of flush and recover: read the drained files message by message, decode each
 * record batch (zero-copy views), check it, split it into partition runs, and plan the output
 * files as lists of byte ranges. Nothing but offsets is kept, so memory does not grow with the
 * backlog; the second pass (parquet-encoder) rebuilds each batch from the same bytes inside wasm.
 */
import { open } from 'node:fs/promises'
import { CorruptStreamError } from './errors.js'
import { fileSource, scanStream } from './ipc-framing.js'
import { fieldList } from './ipc-codec.js'
import { BatchDecodeError, checkedBatches, fileRangeReader, type ByteRange } from './stream-batches.js'
import { defaultPartitionColumn, partitionRuns, type Granularity } from './partitioning.js'
import { OutputLayout, type LaidOutFile, type OutputLayoutOptions } from './output-layout.js'

export type { ByteRange }

/** Rows [offset, offset + length) of one record batch of a stream file, and the bytes that rebuild it. */
export interface BatchPiece {
  readonly file: string
  readonly schema: ByteRange
  /** Dictionary messages in force for this batch, in stream order. */
  readonly dictionaries: readonly ByteRange[]
  readonly batch: ByteRange
  readonly batchRows: number
  readonly offset: number
  readonly length: number
}

/** One Parquet file of the plan: its path and the pieces that rebuild its rows. */
export type PlannedOutput = LaidOutFile<BatchPiece>

export interface FileOutcome {
  readonly name: string
  readonly rows: number
  /** Where reading stopped short, if it did: the batches before it are kept. */
  readonly damage?: { readonly offset: number; readonly reason: string }
  readonly droppedBytes: number
}

export interface DrainPlan {
  readonly outputs: readonly PlannedOutput[]
  readonly files: readonly FileOutcome[]
  readonly rows: number
}

export interface PlanOptions extends OutputLayoutOptions {
  readonly granularity?: Granularity
  readonly partitionBy?: string
  /** `strict` throws CorruptStreamError at the first damage; `salvage` keeps what precedes it. */
  readonly damage: 'strict' | 'salvage'
}

/** The default --target-file-size: Arrow bytes per output file (the Parquet file is several times smaller). */
export const DEFAULT_TARGET_FILE_BYTES = 256 * 1024 * 1024

export async function planDrain(files: readonly { name: string; path: string }[], options: PlanOptions): Promise<DrainPlan> {
  const layout = new OutputLayout<BatchPiece>(options)
  const outcomes: FileOutcome[] = []
  for (const file of files) outcomes.push(await planFile(file, layout, options))
  return { outputs: layout.files(), files: outcomes, rows: outcomes.reduce((sum, file) => sum + file.rows, 0) }
}

async function planFile(file: { name: string; path: string }, layout: OutputLayout<BatchPiece>, options: PlanOptions): Promise<FileOutcome> {
  const handle = await open(file.path, 'r')
  try {
    const { size } = await handle.stat()
    const scan = await scanStream(fileSource(handle, size))
    let rows = 0
    let validEnd = scan.messages[0]?.end ?? 0
    const fail = (offset: number, reason: string): FileOutcome => {
      if (options.damage === 'strict') throw new CorruptStreamError(file.path, offset, reason)
      return { name: file.name, rows, damage: { offset, reason }, droppedBytes: size - validEnd }
    }
    const column = options.partitionBy ?? defaultPartitionColumn(options.table)
    try {
      for await (const { frame, batch, schema, dictionaries } of checkedBatches(fileRangeReader(handle, { reuse: true }), scan)) {
        const signature = fieldList(batch.schema)
        const batchBytes = frame.end - frame.offset
        for (const run of partitionRuns(batch, column, options.granularity ?? 'hour', options.table)) {
          const length = run.end - run.start
          const piece = { file: file.path, schema, dictionaries, batch: { start: frame.offset, end: frame.end }, batchRows: frame.rows, offset: run.start, length }
          // A slice costs its share of the batch body.
          layout.add(signature, run.partition, piece, length, Math.ceil((batchBytes * length) / Math.max(1, frame.rows)))
        }
        rows += frame.rows
        validEnd = frame.end
      }
    } catch (error) {
      if (error instanceof BatchDecodeError) return fail(error.offset, error.message)
      throw error
    }
    if (scan.damage) {
      validEnd = scan.validEnd
      return fail(scan.damage.offset, scan.damage.reason)
    }
    return { name: file.name, rows, droppedBytes: 0 }
  } finally {
    await handle.close()
  }
}
