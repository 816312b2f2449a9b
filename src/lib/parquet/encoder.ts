/**
 * Encodes one job into Parquet bytes. Each piece goes from its bytes into wasm as its own small IPC
 * stream (schema, dictionaries in force, the batch) — no decode and re-encode in JavaScript — and
 * is sliced there when only part of the batch belongs to this file. A job still being planned is
 * encoded as its pieces arrive. Batches enter wasm one at a time and Parquet leaves as a stream,
 * so wasm holds about one row group, not the whole file.
 * Runs on the main thread or in a worker (encoder-pool).
 */
import { closeSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, isSystemError } from '../errors.js'
import { growing, type BatchPiece, type ByteRange, type EncodeJob, type ParquetFormat, type PieceSource } from './encode-job.js'
import { withFieldIds } from '../format/schema-copy.js'
import { writerProperties } from './writer-settings.js'
import { openBufferFileSync, readFullySync } from '../fs-util.js'
import { columnEncodings } from '../format/schema-summary.js'

type ParquetWasm = typeof import('parquet-wasm')
type WasmBatch = import('parquet-wasm').RecordBatch

/**
 * parquet-wasm is CommonJS: through require it loads without the ESM loader lexing its 3,000-line
 * glue for export names, which every encoder thread did (and then optimized the lexer, ~0.05 s of
 * compiling each) before its first batch.
 */
const require = createRequire(import.meta.url)

/**
 * The Parquet bytes of `job`, as a stream. parquet-wasm ends its output cleanly even when its
 * input fails — a short file, no error — so the rows handed over are counted and any input
 * failure is thrown after the last chunk, before the caller makes the file visible.
 */
export async function* encodeParquet(
  job: EncodeJob,
  format: ParquetFormat,
  /** Told the rows of each group of batches the writer takes (it pulls as it encodes): progress within a file. */
  onRows?: (rows: number) => void,
): AsyncGenerator<Uint8Array> {
  const wasm = require('parquet-wasm') as ParquetWasm
  const reader = new PieceReader()
  try {
    // Every piece of a file has the same fields: the first one's schema tells how to store each.
    // Read before the input stream exists: it starts pulling at once, and the reader reads one range at a time.
    const first = job.pieces[0]
    const encodings = first ? columnEncodings(await reader.readSchema(first)) : undefined
    let next = 0
    let handedOver = 0
    let inputError: unknown
    const input = new ReadableStream<WasmBatch>(
      {
        async pull(controller) {
          try {
            let taken = coalesced(job.pieces, next)
            // The output is still being planned: its next pieces are on their way. A group that
            // more of them could join waits for them too, so that wasm takes them in one stream
            // (groups of the 4–5 pieces a planner's turn brings cost wasm ~10% more per row).
            while (!taken.closed && growing(job)) {
              await job.grown!()
              taken = coalesced(job.pieces, next)
            }
            const { group } = taken
            next += group.length
            if (group.length === 0) {
              controller.close()
              return
            }
            for (const batch of await wasmBatchesOf(wasm, group, reader, format.fieldIds)) controller.enqueue(batch)
            const rows = group.reduce((sum, piece) => sum + piece.length, 0)
            handedOver += rows
            onRows?.(rows)
          } catch (error) {
            inputError = error
            controller.error(error)
          }
        },
      },
      { highWaterMark: 1 },
    )
    // transformParquetStream takes ownership of the properties and of every batch it reads.
    yield* (await wasm.transformParquetStream(input, writerProperties(wasm, format.compression, format.metadata, encodings))) as AsyncIterable<Uint8Array>
    // A system error reading the input (out of descriptors, EIO) is not the writer rejecting data.
    if (isSystemError(inputError)) throw inputError
    if (inputError !== undefined) throw new Error(`the Parquet writer rejected a record batch: ${describe(inputError)}`)
    if (handedOver !== job.rows) throw new Error(`the Parquet writer took ${handedOver} of ${job.rows} rows`)
  } finally {
    await reader.close()
  }
}

/**
 * The batch of a one-batch IPC stream, decoded (uncompressed and little-endian first), with invalid
 * UTF-8 repaired and columns readers would not read as they are made plain (plain-columns), encoded again.
 */
async function rewritten(stream: Uint8Array): Promise<Uint8Array> {
  const [{ RecordBatchReader, Table, tableToIPC }, { registerCodecs }, { repairUtf8 }, { normalizedStream }, { plainColumns }] = await Promise.all([
    import('apache-arrow'),
    import('../format/codecs.js'),
    import('../format/utf8-repair.js'),
    import('../format/ipc-normalize.js'),
    import('../format/plain-columns.js'),
  ])
  registerCodecs()
  const batch = RecordBatchReader.from(normalizedStream(stream)).open().next().value as import('apache-arrow').RecordBatch
  return tableToIPC(new Table([plainColumns(repairUtf8(batch))]), 'stream')
}

/**
 * A piece's batch inside wasm. Its bytes go in as they are unless the plan asked for a rewrite, or
 * arrow-rs refuses them: its flatbuffer verifier is stricter than apache-arrow's reader, which
 * already decoded and checked this batch while planning, so bytes that only fail verification
 * (a damaged vtable, say) go in as apache-arrow reads them: decoded and encoded again.
 */
async function wasmBatchOf(wasm: ParquetWasm, piece: BatchPiece, stream: Uint8Array, fieldIds: FieldIds): Promise<WasmBatch> {
  if (piece.rewrite) return toWasmBatch(wasm, piece, withIds(await rewritten(stream), fieldIds))
  try {
    return toWasmBatch(wasm, piece, withIds(stream, fieldIds))
  } catch {
    return toWasmBatch(wasm, piece, withIds(await rewritten(stream), fieldIds))
  }
}

type FieldIds = ReadonlyMap<string, number> | undefined

/** The stream as wasm takes it: with the table's field ids in its schema when there are any. */
function withIds(stream: Uint8Array, fieldIds: FieldIds): Uint8Array {
  return fieldIds ? withFieldIds(stream, fieldIds) : stream
}

/**
 * Small batches go into wasm together, up to this many bytes: one call per ~25 batches of 200 rows,
 * not per batch. 4 MiB cost as much time and held more memory: each group is read into this
 * thread's buffer and copied into wasm, whose memory never shrinks. With 1 MiB, 50,000 files of
 * 200 rows peaked at 382 MiB against 422–450 MiB (each encoder's malloc arena 17–23 MiB, not 35).
 * Measured and not kept: joining a group's batches into one batch before wasm (buffers concatenated,
 * offsets rebased) took wasm's CPU for 1M rows in 200-row batches 4.29 → 4.16 s, and the join in
 * JavaScript cost ~0.9 s more than that; wasm's cost per batch is small next to its cost per row.
 */
const COALESCE_BYTES = 1024 * 1024

/**
 * The pieces from `start` that can enter wasm as one IPC stream: whole batches of the same stream
 * (one source, or sources whose schema is the same and that have no dictionaries), up to
 * COALESCE_BYTES. Always at least one piece (if any is left). `closed`: no piece that joins later
 * could be part of this group (it is full, or a piece that cannot join follows it).
 */
function coalesced(pieces: readonly BatchPiece[], start: number): { readonly group: BatchPiece[]; readonly closed: boolean } {
  const first = pieces[start]
  if (!first) return { group: [], closed: false }
  const group = [first]
  if (!whole(first)) return { group, closed: true }
  let bytes = first.batch.end - first.batch.start
  for (let i = start + 1; i < pieces.length; i++) {
    const piece = pieces[i]!
    bytes += piece.batch.end - piece.batch.start
    if (bytes > COALESCE_BYTES || !whole(piece) || !sameStream(piece, first)) return { group, closed: true }
    group.push(piece)
  }
  return { group, closed: false }
}

function whole(piece: BatchPiece): boolean {
  return !piece.rewrite && piece.offset === 0 && piece.length === piece.batchRows
}

/** Whether `piece`'s batch reads right after the schema and dictionaries of `first`. */
function sameStream(piece: BatchPiece, first: BatchPiece): boolean {
  if (piece.streamKey !== undefined && piece.streamKey === first.streamKey) return true
  return piece.source === first.source && sameRanges([piece.schema, ...piece.dictionaries], [first.schema, ...first.dictionaries])
}

function sameRanges(a: readonly ByteRange[], b: readonly ByteRange[]): boolean {
  return a.length === b.length && a.every((range, i) => range.start === b[i]!.start && range.end === b[i]!.end)
}

/** The batches of a group inside wasm: one IPC stream for all (falling back to one per piece if arrow-rs refuses it). */
async function wasmBatchesOf(wasm: ParquetWasm, group: readonly BatchPiece[], reader: PieceReader, fieldIds: FieldIds): Promise<WasmBatch[]> {
  if (group.length === 1) return [await wasmBatchOf(wasm, group[0]!, await reader.read(group[0]!), fieldIds)]
  let table: import('parquet-wasm').Table | undefined
  try {
    table = wasm.Table.fromIPCStream(withIds(await reader.readGroup(group), fieldIds))
  } catch {
    const batches: WasmBatch[] = []
    for (const piece of group) batches.push(await wasmBatchOf(wasm, piece, await reader.read(piece), fieldIds))
    return batches
  }
  try {
    return Array.from({ length: table.numBatches }, (_, i) => table.recordBatch(i)!)
  } finally {
    table.free()
  }
}

/** A piece's batch inside wasm, sliced to the piece's rows. */
function toWasmBatch(wasm: ParquetWasm, piece: BatchPiece, stream: Uint8Array): WasmBatch {
  const table = wasm.Table.fromIPCStream(stream)
  try {
    const batch = table.recordBatch(0)!
    if (piece.offset === 0 && piece.length === piece.batchRows) return batch
    try {
      return batch.slice(piece.offset, piece.length)
    } finally {
      batch.free()
    }
  } finally {
    table.free()
  }
}

/** Where bytes are read from: a range of one source. */
interface SourceRange extends ByteRange {
  readonly source: PieceSource
}

/** Adjacent ranges of one source joined, so that consecutive batches cost one read. */
function merged(ranges: readonly SourceRange[]): SourceRange[] {
  const joined: SourceRange[] = []
  for (const range of ranges) {
    const last = joined.at(-1)
    if (last && last.source === range.source && last.end === range.start) joined[joined.length - 1] = { ...last, end: range.end }
    else joined.push(range)
  }
  return joined
}

/** Open files a reader keeps at most: a drain of thousands of small files must not run out of descriptors. */
const OPEN_FILES = 8

/**
 * Reads the IPC stream of one piece (schema, dictionaries, batch) from its source. The last few
 * files read stay open until close(); wasm copies each batch in, so one buffer serves every read.
 * Reads are synchronous: an encoder does nothing else meanwhile, and over thousands of small files
 * a thread-pool round trip per open, read and close cost more CPU than the reads themselves.
 */
class PieceReader {
  /** Descriptors, in order of last use, most recent last. */
  readonly #handles = new Map<string, number>()
  #scratch = new Uint8Array(0)

  /** The schema message of a piece's stream. */
  async readSchema(piece: BatchPiece): Promise<Uint8Array> {
    return this.#readRanges([{ ...piece.schema, source: piece.source }])
  }

  async read(piece: BatchPiece): Promise<Uint8Array> {
    const { source } = piece
    return this.#readRanges([piece.schema, ...piece.dictionaries, piece.batch].map((range) => ({ ...range, source })))
  }

  /** One IPC stream of a coalesced group: the first piece's schema and dictionaries, then every batch. */
  async readGroup(group: readonly BatchPiece[]): Promise<Uint8Array> {
    const first = group[0]!
    const head = [first.schema, ...first.dictionaries].map((range) => ({ ...range, source: first.source }))
    return this.#readRanges(merged([...head, ...group.map((piece) => ({ ...piece.batch, source: piece.source }))]))
  }

  async #readRanges(ranges: readonly SourceRange[]): Promise<Uint8Array> {
    const total = ranges.reduce((sum, range) => sum + range.end - range.start, 0)
    if (this.#scratch.byteLength < total) this.#scratch = new Uint8Array(Math.max(total, this.#scratch.byteLength * 2))
    const bytes = this.#scratch.subarray(0, total)
    let at = 0
    for (const range of ranges) at += await this.#copy(range, bytes, at)
    return bytes
  }

  async close(): Promise<void> {
    const handles = [...this.#handles.values()]
    this.#handles.clear()
    for (const fd of handles) closeSync(fd)
  }

  async #copy({ source, start, end }: SourceRange, into: Uint8Array, at: number): Promise<number> {
    const length = end - start
    if (typeof source !== 'string') {
      into.set(source.subarray(start, end), at)
      return length
    }
    const fd = this.#descriptor(source)
    const read = readFullySync(fd, into, at, length, start)
    if (read !== length) throw new Error(`short read of ${source} at byte ${start + read}`)
    return length
  }

  #descriptor(path: string): number {
    let fd = this.#handles.get(path)
    if (fd !== undefined) this.#handles.delete(path)
    else {
      const oldest = this.#handles.keys().next()
      if (!oldest.done && this.#handles.size >= OPEN_FILES) {
        const stale = this.#handles.get(oldest.value)!
        this.#handles.delete(oldest.value)
        closeSync(stale)
      }
      fd = openBufferFileSync(path)
    }
    this.#handles.set(path, fd)
    return fd
  }
}
