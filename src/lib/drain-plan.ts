/**
 * The first pass of flush and recover: read the drained files message by message, decode each
 * record batch (zero-copy views), check it, split it into partition runs, and plan the output
 * files as lists of byte ranges. Nothing but offsets is kept, so memory does not grow with the
 * backlog; the second pass (parquet-encoder) rebuilds each batch from the same bytes inside wasm.
 */
import { open, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { RecordBatchReader } from 'apache-arrow'
import { CorruptStreamError } from './errors.js'
import { fileSource, scanStream, type MessageFrame } from './ipc-framing.js'
import { assertBatchIntegrity, fieldList } from './ipc-codec.js'
import { defaultPartitionColumn, partitionRuns, type Granularity } from './partitioning.js'
import { tableDirectoryName } from './table-name.js'

export interface ByteRange {
  readonly start: number
  readonly end: number
}

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
export const DEFAULT_TARGET_FILE_BYTES = 128 * 1024 * 1024

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
    const [schemaFrame] = scan.messages
    let rows = 0
    let validEnd = schemaFrame?.end ?? 0
    const fail = (offset: number, reason: string): FileOutcome => {
      if (options.damage === 'strict') throw new CorruptStreamError(file.path, offset, reason)
      return { name: file.name, rows, damage: { offset, reason }, droppedBytes: size - validEnd }
    }
    if (!schemaFrame) return scan.damage ? fail(scan.damage.offset, scan.damage.reason) : { name: file.name, rows: 0, droppedBytes: 0 }
    const schema = { start: schemaFrame.offset, end: schemaFrame.end }
    const live = new Map<number, MessageFrame[]>()
    for (const frame of scan.messages.slice(1)) {
      if (frame.kind === 'dictionary') {
        live.set(frame.dictionaryId, frame.dictionaryDelta ? [...(live.get(frame.dictionaryId) ?? []), frame] : [frame])
        validEnd = frame.end
        continue
      }
      const dictionaries = [...live.values()].flat().sort((a, b) => a.offset - b.offset)
      const ranges = [schema, ...dictionaries.map((d) => ({ start: d.offset, end: d.end })), { start: frame.offset, end: frame.end }]
      const bytes = await readRanges(handle, ranges)
      let batch
      try {
        const reader = RecordBatchReader.from(bytes).open()
        batch = reader.next().value
        if (!batch || batch.numRows !== frame.rows) throw new Error(`record batch decoded to ${batch?.numRows ?? 0} rows, metadata says ${frame.rows}`)
        assertBatchIntegrity(batch)
      } catch (error) {
        return fail(frame.offset, `cannot decode: ${error instanceof Error ? error.message : String(error)}`)
      }
      const signature = fieldList(batch.schema)
      for (const run of partitionRuns(batch, options.partitionBy ?? defaultPartitionColumn(options.table), options.granularity ?? 'hour', options.table)) {
        builder.add(signature, run.partition, {
          file: file.path,
          schema,
          dictionaries: ranges.slice(1, -1),
          batch: { start: frame.offset, end: frame.end },
          batchRows: frame.rows,
          offset: run.start,
          length: run.end - run.start,
        })
      }
      rows += frame.rows
      validEnd = frame.end
    }
    if (scan.damage) {
      validEnd = Math.max(validEnd, scan.validEnd)
      return fail(scan.damage.offset, scan.damage.reason)
    }
    return { name: file.name, rows, droppedBytes: 0 }
  } finally {
    await handle.close()
  }
}

/** Reads byte ranges of a file into one buffer: the IPC stream of one batch. */
export async function readRanges(handle: FileHandle, ranges: readonly ByteRange[]): Promise<Uint8Array> {
  const total = ranges.reduce((sum, range) => sum + range.end - range.start, 0)
  const bytes = new Uint8Array(total)
  let at = 0
  for (const range of ranges) {
    const { bytesRead } = await handle.read(bytes, at, range.end - range.start, range.start)
    if (bytesRead !== range.end - range.start) throw new Error(`short read at byte ${range.start}`)
    at += bytesRead
  }
  return bytes
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
