/**
 * One table's buffer (the seed's SignalBuffer): appends go to a record store; flushVia drains the
 * store, awaits the caller's operation and commits only if it succeeded. Its estimated size is
 * rows × a bytes-per-row figure calibrated from the Parquet bytes each successful flush reports.
 */
import type { RecordBatch } from 'apache-arrow'
import type { CopiedHook, FileDrain, StreamFileSource } from './record-store.js'
import { MemoryStore } from './memory-store.js'
import type { RecordStore } from './record-store.js'
import { SerialQueue } from './serial-queue.js'

/** Writes the drained batches somewhere durable and returns the Parquet bytes written. */
export type FlushOp = (batches: readonly RecordBatch[], rows: number) => Promise<number>

/** Writes a disk store's drained files somewhere durable, commits them itself, and returns the Parquet bytes written. */
export type FileFlushOp = (drain: FileDrain) => Promise<number>

/** Bytes per row assumed before the first successful flush calibrates it. */
export const DEFAULT_BYTES_PER_ROW = 256
/** Weight of the previous estimate in the moving average. */
const CALIBRATION_KEEP = 0.7

export interface BufferMetrics {
  /** Active plus drained-but-not-committed rows. */
  readonly rows: number
  readonly pendingFiles: number
  readonly pendingBytes: number
  readonly oldestPendingAgeSeconds: number
}

export class SignalBuffer {
  readonly table: string
  readonly #store: RecordStore
  /** Serialises drain → op → commit, so at most one drain is in flight. */
  readonly #flushes = new SerialQueue()
  #bytesPerRow = DEFAULT_BYTES_PER_ROW
  #calibrated = false

  constructor(table: string, store: RecordStore = new MemoryStore(table)) {
    this.table = table
    this.#store = store
  }

  /** The store's location: the table directory, or `memory:<table>`. */
  get location(): string {
    return this.#store.location
  }

  /** Retains the batch (memory) or writes it to the active stream (disk) before resolving. */
  add(batch: RecordBatch): Promise<void> {
    return this.#store.append(batch)
  }

  /** Takes a checked IPC stream from a file without decoding it, as one pending file; only a disk store can. */
  addStreamFile(source: StreamFileSource, onCopied?: CopiedHook): Promise<void> {
    if (!this.#store.adoptStreamFile) throw new TypeError(`the buffer of ${this.table} (${this.location}) cannot take files; add batches instead`)
    return this.#store.adoptStreamFile(source, onCopied)
  }

  /**
   * Drains, runs `op` on the drained batches and commits them only if `op` resolves. On a rejected
   * (or throwing) op nothing is committed and the batches stay drainable for the next call. An
   * empty drain does not call `op`. Resolves to the rows passed to `op` (0 for an empty drain).
   */
  flushVia(op: FlushOp): Promise<number> {
    return this.#flushes.run(async () => {
      const drain = await this.#store.drain()
      if (drain.rows === 0) {
        // Nothing to write; dropping empty pending files (schema only) loses no row.
        await drain.commit()
        return 0
      }
      const parquetBytes = await op(drain.batches, drain.rows)
      await drain.commit()
      this.#calibrate(parquetBytes, drain.rows)
      return drain.rows
    })
  }

  /**
   * Like flushVia, for a disk store, without reading the files into memory: `op` gets the drained
   * files and is responsible for committing them (it may remove, quarantine or keep them, as its
   * commit protocol says). It is called whenever the drain covers files, even without rows, so
   * that it can deal with empty or damaged ones.
   */
  flushFilesVia(op: FileFlushOp): Promise<number> {
    return this.#flushes.run(async () => {
      if (!this.#store.drainFiles) throw new TypeError(`the buffer of ${this.table} (${this.location}) keeps no files`)
      const drain = await this.#store.drainFiles()
      if (drain.files.length === 0) return 0
      const parquetBytes = await op(drain)
      this.#calibrate(parquetBytes, drain.rows)
      return drain.rows
    })
  }

  get bytesPerRow(): number {
    return this.#bytesPerRow
  }

  /** rows × bytes per row; counts drained-but-not-committed rows, recovered pending files among them. */
  estimatedSize(): number {
    return Math.round(this.#store.rows() * this.#bytesPerRow)
  }

  rows(): number {
    return this.#store.rows()
  }

  isEmpty(): boolean {
    return this.#store.isEmpty()
  }

  metrics(): BufferMetrics {
    return { rows: this.#store.rows(), ...this.#store.metrics() }
  }

  /** Releases the store (a disk store keeps its files and releases its lock). */
  close(): Promise<void> {
    return this.#flushes.run(() => this.#store.close())
  }

  #calibrate(parquetBytes: number, rows: number): void {
    if (!(parquetBytes > 0) || rows <= 0) return
    const observed = parquetBytes / rows
    this.#bytesPerRow = this.#calibrated ? CALIBRATION_KEEP * this.#bytesPerRow + (1 - CALIBRATION_KEEP) * observed : observed
    this.#calibrated = true
  }
}
