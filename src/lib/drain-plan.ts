/**
 * The first pass of flush and recover: read the drained files message by message, decode each
 * record batch (zero-copy views), check it, split it into partition runs, and plan the output
 * files as lists of byte ranges. Nothing but offsets is kept, so memory does not grow with the
 * backlog; the second pass (parquet-encoder) rebuilds each batch from the same bytes inside wasm.
 */
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { CorruptStreamError } from './errors.js'
import { fileSource, scanStream } from './ipc-framing.js'
import { fieldList } from './ipc-codec.js'
import { BatchDecodeError, checkedBatches, type ByteRange } from './stream-batches.js'
import { defaultPartitionColumn, partitionRuns, type Granularity } from './partitioning.js'
import { tableDirectoryName } from './table-name.js'

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

export interface PlannedOutput {
  readonly path: string
  readonly partition: string
  readonly rows: number
  /** Arrow IPC bytes that go into it (what --target-file-size bounds). */
  readonly arrowBytes: number
  readonly pieces: readonly BatchPiece[]
}

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

export interface PlanOptions {
  readonly table: string
  /** Base name of the outputs: `<name>-<schema>-<part>.parquet`. */
  readonly name: string
  readonly out: string
  readonly granularity?: Granularity
  readonly partitionBy?: string
  /** Arrow bytes per output file before a new part starts. */
  readonly targetFileBytes: number
  /** `strict` throws CorruptStreamError at the first damage; `salvage` keeps what precedes it. */
  readonly damage: 'strict' | 'salvage'
}

/** The default --target-file-size: Arrow bytes per output file (the Parquet file is several times smaller). */
export const DEFAULT_TARGET_FILE_BYTES = 256 * 1024 * 1024

export async function planDrain(files: readonly { name: string; path: string }[], options: PlanOptions): Promise<DrainPlan> {
  const builder = new OutputBuilder(options)
  const outcomes: FileOutcome[] = []
  for (const file of files) outcomes.push(await planFile(file, builder, options))
  return { outputs: builder.outputs(), files: outcomes, rows: outcomes.reduce((sum, file) => sum + file.rows, 0) }
}

async function planFile(file: { name: string; path: string }, builder: OutputBuilder, options: PlanOptions): Promise<FileOutcome> {
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
      for await (const { frame, batch, schema, dictionaries } of checkedBatches(handle, scan)) {
        const signature = fieldList(batch.schema)
        for (const run of partitionRuns(batch, column, options.granularity ?? 'hour', options.table)) {
          builder.add(signature, run.partition, {
            file: file.path,
            schema,
            dictionaries,
            batch: { start: frame.offset, end: frame.end },
            batchRows: frame.rows,
            offset: run.start,
            length: run.end - run.start,
          })
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

/** Collects pieces into outputs per (schema, partition), starting a new part past the target size. */
class OutputBuilder {
  readonly #options: PlanOptions
  readonly #schemas = new Map<string, number>()
  readonly #open = new Map<string, { path: string; partition: string; rows: number; arrowBytes: number; pieces: BatchPiece[]; part: number }>()
  readonly #all: { path: string; partition: string; rows: number; arrowBytes: number; pieces: BatchPiece[] }[] = []

  constructor(options: PlanOptions) {
    this.#options = options
  }

  add(signature: string, partition: string, piece: BatchPiece): void {
    if (!this.#schemas.has(signature)) this.#schemas.set(signature, this.#schemas.size)
    const schemaIndex = this.#schemas.get(signature)!
    const key = `${schemaIndex}\0${partition}`
    let output = this.#open.get(key)
    if (output && output.arrowBytes >= this.#options.targetFileBytes) output = undefined
    if (!output) {
      const part = (this.#open.get(key)?.part ?? -1) + 1
      const path = join(this.#options.out, tableDirectoryName(this.#options.table), 'data', partition, `${this.#options.name}-${schemaIndex}-${part}.parquet`)
      output = { path, partition, rows: 0, arrowBytes: 0, pieces: [], part }
      this.#open.set(key, output)
      this.#all.push(output)
    }
    output.pieces.push(piece)
    output.rows += piece.length
    // A slice costs its share of the batch body.
    output.arrowBytes += Math.ceil(((piece.batch.end - piece.batch.start) * piece.length) / Math.max(1, piece.batchRows))
  }

  outputs(): PlannedOutput[] {
    return this.#all.map(({ path, partition, rows, arrowBytes, pieces }) => ({ path, partition, rows, arrowBytes, pieces }))
  }
}
