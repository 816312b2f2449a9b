/**
 * Buffers for every table (the seed's Manager): one SignalBuffer per table, created on first use,
 * a size trigger on add and a time trigger that flushes every non-empty buffer periodically.
 */
import { join } from 'node:path'
import type { RecordBatch } from 'apache-arrow'
import { BatchRejectedError, FlushFailedError, InvalidOptionsError, StoreClosedError } from './errors.js'
import { DiskStore } from './disk-store.js'
import { MemoryStore } from './memory-store.js'
import { SignalBuffer, type BufferMetrics } from './signal-buffer.js'
import { tableDirectoryName } from './table-name.js'

export type StorageType = 'memory' | 'disk'

/** Writes one table's drained batches and returns the Parquet bytes written (for calibration). */
export type FlushFunc = (table: string, batches: readonly RecordBatch[], rows: number) => Promise<number>

export interface StorageOptions {
  /** @default 'memory' */
  readonly type?: StorageType
  /** Root of the spill directory; required for disk storage. */
  readonly path?: string
  /** fsync spilled data (disk storage). @default false */
  readonly fsync?: boolean
}

export interface ManagerOptions {
  /** Where flushed batches go. */
  readonly flush: FlushFunc
  /**
   * Cap on one buffer's estimated size: an add to a buffer at or above it flushes first, and is
   * rejected if that flush fails. 0 disables the cap.
   * @default 0
   */
  readonly maxSizeBytes?: number
  /** Period of the time-triggered flush started by start(); 0 disables it. @default 60000 */
  readonly flushIntervalMs?: number
  /** @default { type: 'memory' } */
  readonly storage?: StorageOptions
  /** Told about failures of time-triggered flushes (they have no caller to reject). */
  readonly onFlushError?: (error: FlushFailedError) => void
}

export interface TableFlushResult {
  readonly table: string
  readonly rows: number
  readonly error?: FlushFailedError
}

const DEFAULT_FLUSH_INTERVAL_MS = 60_000
const STORAGE_TYPES: readonly string[] = ['memory', 'disk']

export class Manager {
  readonly #flush: FlushFunc
  readonly #maxSizeBytes: number
  readonly #flushIntervalMs: number
  readonly #storage: Required<Pick<StorageOptions, 'type' | 'fsync'>> & { path?: string }
  readonly #onFlushError: ((error: FlushFailedError) => void) | undefined
  /** Promises, so that racing first adds for one table share a single buffer. */
  readonly #buffers = new Map<string, Promise<SignalBuffer>>()
  #timer: NodeJS.Timeout | undefined
  #started = false
  #tickRunning = false
  #stopping: Promise<void> | undefined

  constructor(options: ManagerOptions) {
    if (typeof options?.flush !== 'function') throw new InvalidOptionsError('flush', `expected a function, got ${typeof options?.flush}`)
    this.#maxSizeBytes = nonNegative('maxSizeBytes', options.maxSizeBytes, 0)
    this.#flushIntervalMs = nonNegative('flushIntervalMs', options.flushIntervalMs, DEFAULT_FLUSH_INTERVAL_MS)
    const type = options.storage?.type ?? 'memory'
    if (!STORAGE_TYPES.includes(type)) throw new InvalidOptionsError('storage.type', `expected "memory" or "disk", got ${JSON.stringify(type)}`)
    const path = options.storage?.path
    if (type === 'disk' && !path) throw new InvalidOptionsError('storage.path', 'disk storage needs the root directory of the spill directory')
    this.#storage = { type, fsync: options.storage?.fsync ?? false, path }
    this.#flush = options.flush
    this.#onFlushError = options.onFlushError
  }

  /**
   * Adds a batch to the table's buffer. A buffer already at or above the size cap is flushed
   * first; if that flush fails the batch is rejected (BatchRejectedError) and not buffered, so a
   * retry by the caller cannot duplicate it.
   */
  async add(table: string, batch: RecordBatch): Promise<void> {
    if (this.#stopping) throw new StoreClosedError(`manager (table ${table})`)
    const buffer = await this.buffer(table)
    if (this.#maxSizeBytes > 0 && buffer.estimatedSize() >= this.#maxSizeBytes) {
      try {
        await buffer.flushVia(this.#opFor(buffer))
      } catch (error) {
        throw new BatchRejectedError(table, buffer.location, error)
      }
    }
    await buffer.add(batch)
  }

  /** The table's buffer, created (and for disk storage, opened and recovered) on first use. */
  buffer(table: string): Promise<SignalBuffer> {
    const key = this.#storage.type === 'disk' ? tableDirectoryName(table) : table
    let buffer = this.#buffers.get(key)
    if (!buffer) {
      buffer = this.#createBuffer(table)
      this.#buffers.set(key, buffer)
      // A failed open (say, the directory is locked) must not poison later attempts.
      buffer.catch(() => this.#buffers.delete(key))
    }
    return buffer
  }

  /** Flushes one table's buffer; rejects with FlushFailedError when the flush fails. */
  async flush(table: string): Promise<number> {
    const buffer = await this.buffer(table)
    try {
      return await buffer.flushVia(this.#opFor(buffer))
    } catch (error) {
      throw new FlushFailedError(table, buffer.location, error)
    }
  }

  /** Flushes every non-empty buffer; a failure of one table does not stop the others. */
  async flushAll(): Promise<TableFlushResult[]> {
    const buffers = await this.#openBuffers()
    return Promise.all(
      buffers
        .filter((buffer) => !buffer.isEmpty())
        .map(async (buffer): Promise<TableFlushResult> => {
          try {
            return { table: buffer.table, rows: await buffer.flushVia(this.#opFor(buffer)) }
          } catch (error) {
            return { table: buffer.table, rows: 0, error: new FlushFailedError(buffer.table, buffer.location, error) }
          }
        }),
    )
  }

  /** Starts the time-triggered flush. Idempotent. */
  start(): void {
    if (this.#started || this.#stopping) return
    this.#started = true
    if (this.#flushIntervalMs === 0) return
    this.#timer = setInterval(() => void this.#tick(), this.#flushIntervalMs)
    // The timer alone must not keep a process alive.
    this.#timer.unref()
  }

  /**
   * Stops the timer, flushes every buffer and closes them (a disk store releases its lock and
   * keeps its files). Idempotent: a second call returns the first call's result.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop()
    return this.#stopping
  }

  /**
   * Stops the timer and closes every buffer without flushing: a disk store keeps its data on
   * disk for the next owner. Idempotent with stop(): whichever comes first decides.
   */
  close(): Promise<void> {
    this.#stopping ??= (async () => {
      clearInterval(this.#timer)
      this.#timer = undefined
      const buffers = await this.#openBuffers()
      await Promise.all(buffers.map((buffer) => buffer.close()))
    })()
    return this.#stopping
  }

  /** Per-table metrics of the buffers opened so far. */
  async metrics(): Promise<Map<string, BufferMetrics>> {
    const buffers = await this.#openBuffers()
    return new Map(buffers.map((buffer) => [buffer.table, buffer.metrics()]))
  }

  async #stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    const results = await this.flushAll()
    const buffers = await this.#openBuffers()
    await Promise.all(buffers.map((buffer) => buffer.close()))
    const failed = results.find((result) => result.error)
    if (failed?.error) throw failed.error
  }

  async #tick(): Promise<void> {
    // A slow flush must not pile up ticks behind it.
    if (this.#tickRunning) return
    this.#tickRunning = true
    try {
      for (const result of await this.flushAll()) {
        if (result.error) this.#onFlushError?.(result.error)
      }
    } finally {
      this.#tickRunning = false
    }
  }

  async #openBuffers(): Promise<SignalBuffer[]> {
    const settled = await Promise.allSettled(this.#buffers.values())
    return settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  }

  async #createBuffer(table: string): Promise<SignalBuffer> {
    if (this.#storage.type === 'memory') return new SignalBuffer(table, new MemoryStore(table))
    const directory = join(this.#storage.path!, tableDirectoryName(table))
    return new SignalBuffer(table, await DiskStore.open(directory, { fsync: this.#storage.fsync }))
  }

  #opFor(buffer: SignalBuffer) {
    return (batches: readonly RecordBatch[], rows: number) => this.#flush(buffer.table, batches, rows)
  }
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionsError(name, `expected a non-negative number, got ${String(value)}`)
  }
  return value
}
