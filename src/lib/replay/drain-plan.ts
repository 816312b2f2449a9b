/**
 * The first pass of a drain into Parquet: read the drained streams message by message, decode each
 * record batch (zero-copy views), check it, split it into partition runs, and lay the rows out as
 * output files made of byte-range pieces (the Parquet stage's jobs). Nothing but offsets is kept,
 * so memory does not grow with the backlog; the encoder rebuilds each batch from the same bytes.
 */
import { createHash } from 'node:crypto'
import { closeSync, fstatSync, type BigIntStats } from 'node:fs'
import { CorruptStreamError } from '../errors.js'
import { InvalidOptionsError, UnsupportedTypeError } from '../usage-errors.js'
import { SchemaVerdicts } from './schema-verdicts.js'
import { planningOrder, shareOut } from './output-shares.js'
import { bytesSource, descriptorSource } from '../format/byte-source.js'
import { scanStream, type StreamScan } from '../format/ipc-framing.js'
import { BatchDecodeError, bytesRangeReader, checkedColumns, descriptorRangeReader, type RangeReader } from '../format/stream-batches.js'
import { invalidUtf8 } from '../format/utf8-repair.js'
import type { BatchPiece } from '../parquet/encode-job.js'
import { OutputLayout, type GrowingFile, type LaidOutFile, type OutputLayoutOptions, type PieceLayout } from '../sink/output-layout.js'
import { openBufferFileSync, readFullySync } from '../fs-util.js'
import { defaultPartitionColumn, partitionRuns, type Granularity } from '../sink/partitioning.js'

/**
 * A stream to drain: a file on disk (with its size, and how an inspection scanned it, when the
 * caller knows them: a scan whose size the file still has is not made again), or an IPC stream held in memory.
 */
export type DrainSource =
  { readonly name: string; readonly path: string; readonly bytes?: number; readonly scan?: StreamScan } | { readonly name: string; readonly stream: Uint8Array }

/** One Parquet file of the plan: its path relative to the sink's root, and the pieces that rebuild its rows. */
export type PlannedOutput = LaidOutFile<BatchPiece>

export interface FileOutcome {
  readonly name: string
  readonly rows: number
  /** String values with invalid UTF-8, per column: kept, written with U+FFFD in place of each invalid sequence. */
  readonly repairedUtf8: Readonly<Record<string, number>>
  /** Where reading stopped short, if it did: the batches before it are kept. */
  readonly damage?: { readonly offset: number; readonly reason: string }
  readonly droppedBytes: number
  /** Salvage only: the file has no column to partition by (set aside whole, like damage). */
  readonly partitionProblem?: InvalidOptionsError
}

export interface DrainPlan {
  readonly outputs: readonly PlannedOutput[]
  readonly files: readonly FileOutcome[]
  readonly rows: number
  /** Invalid UTF-8 values repaired, per column, over all files. */
  readonly repairedUtf8: Readonly<Record<string, number>>
}

export interface PlanOptions extends OutputLayoutOptions {
  readonly granularity?: Granularity
  readonly partitionBy?: string
  /** `strict` throws CorruptStreamError at the first damage; `salvage` keeps what precedes it. */
  readonly damage: 'strict' | 'salvage'
  /** Stops planning between batches (throwing the signal's reason). */
  readonly signal?: AbortSignal
  /** Columns a schema may have before its file is refused as unsupported. */
  readonly maxColumns?: number
  /**
   * Encoders that will write the outputs: a drain smaller than that many full files is cut into
   * that many near-equal ones, so that every encoder has a share and they finish together.
   */
  readonly shareAmong?: number
  /**
   * Told of each output the moment it opens (with its first piece), while planning goes on, so that
   * it can be written while it grows; the plan's outputs include it too.
   */
  readonly onOpen?: (output: GrowingOutput) => void
  /** Told of each output the moment it is full, while planning goes on (the plan's outputs include it too). */
  readonly onFull?: (output: PlannedOutput) => void
}

/** A planned output while pieces may still join it. */
export type GrowingOutput = GrowingFile<BatchPiece>

/** The default --target-file-size: Arrow bytes per output file (the Parquet file is several times smaller). */
export const DEFAULT_TARGET_FILE_BYTES = 256 * 1024 * 1024

export async function planDrain(sources: readonly DrainSource[], options: PlanOptions): Promise<DrainPlan> {
  const shares = await shareOut(sources, options.targetFileBytes, options.shareAmong)
  const layout = new OutputLayout<BatchPiece>({ ...options, targetFileBytes: shares.targetFileBytes }, options)
  const outcomes: FileOutcome[] = []
  const laneLayouts: PieceLayout<BatchPiece>[] = []
  // One buffer for small files and one batch scratch serve the whole drain: thousands of small files
  // then cost no allocation each, which glibc's heap kept as ~90 MiB more RSS at 5,000 files.
  const whole = new Uint8Array(WHOLE_FILE_BYTES)
  const shared: SharedReading = { scratch: { buffer: new Uint8Array(0) }, verdicts: new SchemaVerdicts(options.maxColumns), pace: pacer() }
  try {
    for (const index of planningOrder(shares.lanes)) {
      const source = sources[index]!
      await shared.pace(FILE_TURN_COST)
      // The plan keeps offsets only, never these bytes: the buffer is free again once the file is planned.
      const early = 'stream' in source || (source.bytes ?? 0) > WHOLE_FILE_BYTES ? undefined : readWhole(source.path, whole)
      const lane = shares.lanes[index]!
      outcomes[index] = await planSource(source, (laneLayouts[lane] ??= layout.lane(lane)), options, shared, early)
    }
  } catch (error) {
    layout.fail(error)
    throw error
  }
  layout.finish()
  // No file has the column: the option is wrong for this table, not the files.
  const problem = outcomes.find((file) => file.partitionProblem)?.partitionProblem
  if (problem && outcomes.every((file) => file.partitionProblem || file.rows === 0)) throw problem
  return { outputs: layout.files(), files: outcomes, rows: outcomes.reduce((sum, file) => sum + file.rows, 0), repairedUtf8: sumCounts(outcomes.map((file) => file.repairedUtf8)) }
}

/**
 * Files up to this size are read whole, with one open, fstat, read and close on this thread: a
 * backlog of thousands of small files then costs a few syscalls each, where a thread-pool round trip
 * for each of them (read ahead while the previous file decoded) cost more CPU than the reads
 * (~0.17 ms a file, on a two-core machine whose other core encodes). Bigger files are read on this
 * thread too, a window or a batch at a time: one file of 5,000 small batches planned in 1.0–1.3 s
 * instead of 2.2 s with a round trip per read.
 */
const WHOLE_FILE_BYTES = 1024 * 1024

/**
 * Reads on this thread yield nothing to the event loop: a turn after every TURN_BYTES planned lets a
 * signal, the encoders' chunks and the progress display through. A file counts FILE_TURN_COST at
 * least, so that thousands of empty ones take turns too (16 small files a turn).
 */
const TURN_BYTES = 2 * 1024 * 1024
const FILE_TURN_COST = TURN_BYTES / 16

/** Counts bytes planned; resolves at once, or after a turn of the event loop once TURN_BYTES have gone by. */
function pacer(): (bytes: number) => Promise<void> | undefined {
  let since = 0
  return (bytes) => {
    since += bytes
    if (since < TURN_BYTES) return undefined
    since = 0
    return new Promise((resolve) => setImmediate(resolve))
  }
}

/** A small stream file's bytes, with the identity an output that opens with a piece of it is named from. */
interface WholeFile {
  readonly bytes: Uint8Array
  readonly identity: string
}

/**
 * The whole file, read into `buffer` (WHOLE_FILE_BYTES long), when it is a regular file small
 * enough; undefined otherwise, or when it cannot be read here (it is then opened again as any
 * other file, and fails there with its own error).
 */
function readWhole(path: string, buffer: Uint8Array): WholeFile | undefined {
  let fd: number
  try {
    fd = openBufferFileSync(path)
  } catch {
    return undefined
  }
  try {
    const info = fstatSync(fd, { bigint: true })
    if (!info.isFile() || info.size > BigInt(buffer.byteLength)) return undefined
    const read = readFullySync(fd, buffer, 0, Number(info.size), 0)
    return { bytes: buffer.subarray(0, read), identity: fileIdentity(info) }
  } catch {
    return undefined
  } finally {
    closeSync(fd)
  }
}

function fileIdentity(info: BigIntStats): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}`
}

/**
 * What every file of a drain reads with: the scratch batches read from memory are joined in (the
 * plan keeps none of them), and what the schemas seen said (by their bytes: a backlog of thousands
 * of files with one schema reads it once).
 */
interface SharedReading {
  readonly scratch: { buffer: Uint8Array }
  readonly verdicts: SchemaVerdicts
  readonly pace: (bytes: number) => Promise<void> | undefined
}

/** Plans one source. */
async function planSource(source: DrainSource, layout: PieceLayout<BatchPiece>, options: PlanOptions, shared: SharedReading, early?: WholeFile): Promise<FileOutcome> {
  const { scratch } = shared
  if ('stream' in source) {
    const identity = createHash('sha256').update(source.stream).digest('hex').slice(0, 32)
    return planStream(source.name, source.stream, identity, bytesSource(source.stream), bytesRangeReader(source.stream, scratch), layout, options, shared)
  }
  const known = (size: number) => (source.scan?.size === size ? source.scan : undefined)
  if (early)
    return planStream(
      source.name,
      source.path,
      early.identity,
      bytesSource(early.bytes),
      bytesRangeReader(early.bytes, scratch),
      layout,
      options,
      shared,
      known(early.bytes.byteLength),
    )
  // A big file is read on this thread too, a window and a batch at a time (planStream yields turns).
  const fd = openBufferFileSync(source.path)
  try {
    const info = fstatSync(fd, { bigint: true })
    const size = Number(info.size)
    return await planStream(source.name, source.path, fileIdentity(info), descriptorSource(fd, size), descriptorRangeReader(fd, scratch), layout, options, shared, known(size))
  } finally {
    closeSync(fd)
  }
}

async function planStream(
  name: string,
  where: string | Uint8Array,
  identity: string,
  bytes: ReturnType<typeof bytesSource>,
  read: RangeReader,
  layout: PieceLayout<BatchPiece>,
  options: PlanOptions,
  shared: SharedReading,
  scanned?: StreamScan,
): Promise<FileOutcome> {
  const scan = scanned ?? (await scanStream(bytes, 0, shared.verdicts.parsed))
  let rows = 0
  let validEnd = scan.messages[0]?.end ?? 0
  const repairedUtf8: Record<string, number> = {}
  const label = typeof where === 'string' ? where : name
  const fail = (offset: number, reason: string): FileOutcome => {
    if (options.damage === 'strict') throw new CorruptStreamError(label, offset, reason)
    return { name, rows, repairedUtf8, damage: { offset, reason }, droppedBytes: scan.size - validEnd }
  }
  const column = options.partitionBy ?? defaultPartitionColumn(options.table)
  const verdict = await shared.verdicts.of(scan, read)
  const { unsupported, streamKey: schemaKey, rewriteAll } = verdict
  // Valid Arrow that Parquet cannot take is set aside whole, before anything of it is decoded.
  if (unsupported) {
    if (options.damage === 'strict') throw new UnsupportedTypeError(label, unsupported.reason)
    return { name, rows: 0, repairedUtf8, damage: { offset: 0, reason: unsupported.reason }, droppedBytes: scan.size }
  }
  try {
    let signature: string | undefined
    for await (const checked of checkedColumns(read, scan, { schemas: shared.verdicts.flat })) {
      options.signal?.throwIfAborted()
      const { frame, columns: batch } = checked
      // Every batch of a stream is decoded with the stream's schema.
      signature ??= shared.verdicts.signature(verdict, batch.schema)
      const batchBytes = frame.end - frame.offset
      // A batch with invalid UTF-8, or a compressed one, is decoded and written again on its way into wasm.
      const invalid = invalidUtf8(batch)
      for (const [column, count] of invalid) repairedUtf8[column] = (repairedUtf8[column] ?? 0) + count
      const rewrite = rewriteAll || invalid.size > 0 || frame.compressed || checked.dictionaryCompressed
      const streamKey = checked.dictionaries.length === 0 ? schemaKey : undefined
      const range = { start: frame.offset, end: frame.end }
      const { schema, dictionaries } = checked
      for (const run of partitionRuns(batch, column, options.granularity ?? 'hour', options.table)) {
        const length = run.end - run.start
        // One literal with every field: a spread copy took a hidden class of its own, 312 bytes a piece.
        const piece: BatchPiece = { source: where, schema, dictionaries, batch: range, batchRows: frame.rows, offset: run.start, length, rewrite, streamKey }
        // A slice costs its share of the batch body.
        layout.add(signature, run.partition, piece, length, Math.ceil((batchBytes * length) / Math.max(1, frame.rows)), `${identity}@${frame.offset}+${run.start}:${length}`)
      }
      rows += frame.rows
      validEnd = frame.end
      await shared.pace(batchBytes)
    }
  } catch (error) {
    if (error instanceof BatchDecodeError) return fail(error.offset, error.message)
    // One file without the partition column (another producer's, or a damaged name) is set aside; the rest drains.
    if (error instanceof InvalidOptionsError && options.damage === 'salvage' && rows === 0) {
      return { name, rows: 0, repairedUtf8, damage: { offset: 0, reason: error.message }, droppedBytes: scan.size, partitionProblem: error }
    }
    throw error
  }
  if (scan.damage) {
    validEnd = scan.validEnd
    return fail(scan.damage.offset, scan.damage.reason)
  }
  return { name, rows, repairedUtf8, droppedBytes: 0 }
}

/** Per-column counts added up. */
export function sumCounts(counts: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const total: Record<string, number> = {}
  for (const count of counts) for (const [column, n] of Object.entries(count)) total[column] = (total[column] ?? 0) + n
  return total
}
