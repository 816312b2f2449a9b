/**
 * The exporter's disk store on its exact spill format (DESIGN §1): batches are appended to
 * `active.ipc`; a drain seals it into the next `pending-%06d.ipc` and returns every pending file's
 * batches; a commit deletes exactly those pending files. Opening takes the directory's flock and
 * runs recovery (orphan-recovery). The roles are separate modules: the active stream
 * (active-stream), the sealed files and their commit (pending-files), recovery (orphan-recovery).
 */
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { RecordBatch } from 'apache-arrow'
import { StoreClosedError, StoreWriteError } from '../errors.js'
import { SchemaMismatchError } from '../usage-errors.js'
import { removeIfExists } from '../fs-util.js'
import { makeDirectory } from '../ownership.js'
import { encodeBatch, fieldList, sameSchema } from '../format/batch-codec.js'
import { ACTIVE_FILE, ingestTemporaryName } from '../format/table-directory.js'
import type { TableInspection } from '../format/table-scan.js'
import { ActiveStream } from './active-stream.js'
import { DirectoryLock } from './directory-lock.js'
import { readDrainedBatches } from './pending-reader.js'
import { recoverDirectory } from './orphan-recovery.js'
import { PendingFiles } from './pending-files.js'
import type { CopiedHook, Drain, FileDrain, PendingFile, RecordStore, StoreMetrics, StreamFileSource } from './record-store.js'
import { SerialQueue } from './serial-queue.js'
import { copyStreamFile } from './stream-file-copy.js'

export type { FileDrain, PendingFile }

export interface DiskStoreOptions {
  /**
   * fsync appended data and the directory after renames, so spilled data survives power loss.
   * The exporter itself does not.
   * @default false
   */
  readonly fsync?: boolean
  /**
   * What a drain does with a pending file that ends inside a message or holds bytes that cannot be
   * a message: `salvage` returns its complete batches (the exporter's behaviour); `strict` throws
   * CorruptStreamError and leaves every file in place.
   * @default 'salvage'
   */
  readonly damage?: 'salvage' | 'strict'
  /**
   * Runs under the lock before recovery, when open() takes a directory: a higher layer finishes
   * its own bookkeeping there first (bufctl resolves an interrupted commit journal).
   */
  readonly onLocked?: (directory: string) => Promise<void>
}

export class DiskStore implements RecordStore {
  readonly location: string
  readonly #lock: DirectoryLock
  readonly #fsync: boolean
  readonly #damage: 'salvage' | 'strict'
  readonly #queue = new SerialQueue()
  readonly #pending: PendingFiles
  #active: ActiveStream | undefined
  #closed = false

  private constructor(directory: string, lock: DirectoryLock, pending: PendingFile[], options: DiskStoreOptions) {
    this.location = directory
    this.#lock = lock
    this.#pending = new PendingFiles(directory, pending)
    this.#fsync = options.fsync ?? false
    this.#damage = options.damage ?? 'salvage'
  }

  /**
   * Takes ownership of a table directory (creating it), then recovers. Throws LockHeldError when
   * another process owns the directory.
   */
  static async open(directory: string, options: DiskStoreOptions = {}): Promise<DiskStore> {
    await makeDirectory(directory)
    const lock = DirectoryLock.acquire(directory)
    try {
      await options.onLocked?.(directory)
      return await DiskStore.adopt(directory, lock, options)
    } catch (error) {
      lock.release()
      throw error
    }
  }

  /**
   * Takes over a directory whose lock the caller already holds (and runs recovery); from then on
   * the store owns the lock and close() releases it. On a throw the lock stays the caller's. A
   * caller that has just inspected the directory (under the lock) passes that inspection, so the
   * files are not scanned twice.
   */
  static async adopt(directory: string, lock: DirectoryLock, options: DiskStoreOptions = {}, inspection?: TableInspection): Promise<DiskStore> {
    const pending = await recoverDirectory(directory, options.fsync ?? false, inspection)
    return new DiskStore(directory, lock, pending, options)
  }

  /** The pending files, in sequence order, as last seen. */
  get pendingFiles(): readonly PendingFile[] {
    return this.#pending.list
  }

  append(batch: RecordBatch): Promise<void> {
    return this.#queue.run(async () => {
      this.#assertOpen()
      const current = this.#active
      if (current && !sameSchema(current.schema, batch.schema)) {
        throw new SchemaMismatchError(join(this.location, ACTIVE_FILE), fieldList(current.schema), fieldList(batch.schema))
      }
      const { schemaMessage, dataMessages, rows } = await encodeBatch(batch, current?.schema)
      const active = current ?? (this.#active = await ActiveStream.start(this.location, batch.schema, schemaMessage))
      try {
        await active.append(dataMessages, rows, this.#fsync)
      } catch (error) {
        // Keep what was written: seal complete batches, discard a stream that has none.
        await this.#sealActive().catch(() => undefined)
        throw error
      }
    })
  }

  /**
   * Takes an already checked IPC stream as the next pending file, copied (by the kernel when it is
   * a whole file) under a temporary name and renamed into place: how ingest appends. The active
   * stream is sealed first so that order is kept. The copy appears whole or not at all; an
   * end-of-stream marker is added if the source has none.
   */
  adoptStreamFile(source: StreamFileSource, onCopied?: CopiedHook): Promise<void> {
    return this.#queue.run(async () => {
      this.#assertOpen()
      await this.#sealActive()
      const name = ingestTemporaryName(randomBytes(8).toString('hex'))
      const temporary = join(this.location, name)
      let copied = false
      try {
        await copyStreamFile(source, temporary, this.#fsync)
        copied = true
        await onCopied?.(name)
        await this.#pending.renameIn(temporary, source.rows, this.#fsync)
      } catch (error) {
        // A copy that a record may name stays: the next open decides from its presence (CopiedHook).
        if (!copied || !onCopied) await removeIfExists(temporary).catch(() => undefined)
        throw new StoreWriteError(temporary, error)
      }
    })
  }

  drain(): Promise<Drain> {
    return this.#queue.run(async () => {
      this.#assertOpen()
      const drain = await this.#drainFiles()
      const { batches, damaged } = await readDrainedBatches(drain.files, this.#damage)
      // A salvaged file's original goes to quarantine/ at the commit, never deleted unwritten.
      const commit = () => this.#queue.run(() => this.#pending.commit(drain.files, this.#fsync, damaged))
      return { batches, rows: batches.reduce((sum, batch) => sum + batch.numRows, 0), commit }
    })
  }

  /**
   * Seals the active stream and returns the pending files without reading them, for callers that
   * read (and salvage) files themselves. commit() deletes exactly these files.
   */
  drainFiles(): Promise<FileDrain> {
    return this.#queue.run(() => {
      this.#assertOpen()
      return this.#drainFiles()
    })
  }

  rows(): number {
    return (this.#active?.rows ?? 0) + this.#pending.rows()
  }

  isEmpty(): boolean {
    return this.rows() === 0
  }

  metrics(): StoreMetrics {
    return this.#pending.metrics()
  }

  /** Closes the active stream cleanly and releases the lock; every file stays on disk. */
  close(): Promise<void> {
    return this.#queue.run(async () => {
      if (this.#closed) return
      this.#closed = true
      try {
        const active = this.#active
        this.#active = undefined
        await active?.finish(false)
      } finally {
        this.#lock.release()
      }
    })
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreClosedError(this.location)
  }

  async #drainFiles(): Promise<FileDrain> {
    await this.#sealActive()
    const files = [...this.#pending.list]
    return {
      files,
      rows: files.reduce((sum, file) => sum + file.rows, 0),
      commit: () => this.#queue.run(() => this.#pending.commit(files, this.#fsync)),
      forget: () => this.#pending.forget(files),
    }
  }

  /** Seals the active stream into the next pending file; an active file without rows is discarded. */
  async #sealActive(): Promise<void> {
    const active = this.#active
    if (!active) return
    this.#active = undefined
    if (active.rows === 0) return active.discard()
    await active.finish(this.#fsync)
    await this.#pending.renameIn(active.path, active.rows, this.#fsync)
  }
}
