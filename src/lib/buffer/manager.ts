/**
 * Buffers for every table (the seed's Manager): one SignalBuffer per table, created on first use,
 * a size trigger on add and a time trigger that flushes every non-empty buffer periodically.
 */
import { join } from 'node:path'
import type { RecordBatch } from 'apache-arrow'
import { BatchRejectedError, FlushFailedError, StoreClosedError } from '../errors.js'
import { tableDirectoryName } from '../format/table-directory.js'
import { DiskStore } from './disk-store.js'
import { checkManagerOptions, type CheckedManagerOptions, type ManagerOptions } from './manager-options.js'
import { MemoryStore } from './memory-store.js'
import type { CopiedHook, StreamFileSource } from './record-store.js'
import { SignalBuffer, type BufferMetrics } from './signal-buffer.js'

export type { FileFlushFunc, FlushFunc, ManagerOptions, StorageOptions, StorageType } from './manager-options.js'

export interface TableFlushResult {
  readonly table: string
  readonly rows: number
  readonly error?: FlushFailedError
}

export class Manager {
  readonly #options: CheckedManagerOptions
  /** Promises, so that racing first adds for one table share a single buffer. */
  readonly #buffers = new Map<string, Promise<SignalBuffer>>()
  #timer: NodeJS.Timeout | undefined
  #started = false
  #tickRunning = false
  #stopping: Promise<void> | undefined

  constructor(options: ManagerOptions) {
    this.#options = checkManagerOptions(options)
  }

  /**
   * Adds a batch to the table's buffer. A buffer already at or above the size cap is flushed
   * first; if that flush fails the batch is rejected (BatchRejectedError) and not buffered, so a
   * retry by the caller cannot duplicate it.
   */
  async add(table: string, batch: RecordBatch): Promise<void> {
    const buffer = await this.#bufferWithRoom(table)
    await buffer.add(batch)
  }

  /**
   * Adds a checked IPC stream from a file as one pending file (disk storage), without decoding it;
   * the size trigger applies as for add(), before the file.
   */
  async addStreamFile(table: string, source: StreamFileSource, onCopied?: CopiedHook): Promise<void> {
    const buffer = await this.#bufferWithRoom(table)
    await buffer.addStreamFile(source, onCopied)
  }

  /** The table's buffer, created (and for disk storage, opened and recovered) on first use. */
  buffer(table: string): Promise<SignalBuffer> {
    const key = this.#options.storage.type === 'disk' ? tableDirectoryName(table) : table
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
      return await this.#flushBuffer(buffer)
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
            return { table: buffer.table, rows: await this.#flushBuffer(buffer) }
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
    if (this.#options.flushIntervalMs === 0) return
    this.#timer = setInterval(() => void this.#tick(), this.#options.flushIntervalMs)
    // The timer alone must not keep a process alive.
    this.#timer.unref()
  }

  /**
   * Stops the timer, flushes every buffer and closes them (a disk store releases its lock and
   * keeps its files). Idempotent: a second call returns the first call's result.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop(true)
    return this.#stopping
  }

  /**
   * Stops the timer and closes every buffer without flushing: a disk store keeps its data on
   * disk for the next owner. Idempotent with stop(): whichever comes first decides.
   */
  close(): Promise<void> {
    this.#stopping ??= this.#stop(false)
    return this.#stopping
  }

  /** Per-table metrics of the buffers opened so far. */
  async metrics(): Promise<Map<string, BufferMetrics>> {
    const buffers = await this.#openBuffers()
    return new Map(buffers.map((buffer) => [buffer.table, buffer.metrics()]))
  }

  /** The table's buffer, flushed first if it is at or above the size cap (rejected when that flush fails). */
  async #bufferWithRoom(table: string): Promise<SignalBuffer> {
    if (this.#stopping) throw new StoreClosedError(`manager (table ${table})`)
    const buffer = await this.buffer(table)
    if (this.#options.maxSizeBytes > 0 && buffer.estimatedSize() >= this.#options.maxSizeBytes) {
      try {
        await this.#flushBuffer(buffer)
      } catch (error) {
        throw new BatchRejectedError(table, buffer.location, error)
      }
    }
    return buffer
  }

  async #stop(flush: boolean): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    const results = flush ? await this.flushAll() : []
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
        if (result.error) this.#options.onFlushError?.(result.error)
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
    const storage = this.#options.storage
    if (storage.type === 'memory') return new SignalBuffer(table, new MemoryStore(table))
    const directory = join(storage.path!, tableDirectoryName(table))
    return new SignalBuffer(table, await DiskStore.open(directory, { fsync: storage.fsync, onLocked: storage.onLocked }))
  }

  #flushBuffer(buffer: SignalBuffer): Promise<number> {
    const flush = this.#options.flush
    if ('files' in flush) return buffer.flushFilesVia((drain) => flush.files(buffer.table, drain, buffer.location))
    return buffer.flushVia((batches, rows) => flush.batches(buffer.table, batches, rows))
  }
}
