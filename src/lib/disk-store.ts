/**
 * The exporter's disk store on its exact spill format (DESIGN §1): batches are appended to
 * `active.ipc`; a drain seals it into the next `pending-%06d.ipc` and returns every pending file's
 * batches; a commit deletes exactly those pending files. Opening takes the directory's flock and
 * runs recovery (an orphaned active file becomes the next pending file).
 */
import { copyFile, mkdir, open, rename, stat, truncate, unlink, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { RecordBatch, Schema } from 'apache-arrow'
import { CorruptStreamError, SchemaMismatchError, StoreClosedError, StoreWriteError } from './errors.js'
import { DirectoryLock } from './directory-lock.js'
import { END_OF_STREAM, fileSource, scanStream } from './ipc-framing.js'
import { encodeBatch, fieldList, sameSchema } from './ipc-codec.js'
import { fileRangeReader, salvageBatches } from './stream-batches.js'
import { inspectTable, type StreamFileInspection, type TableInspection } from './spill-inspection.js'
import type { Drain, RecordStore, StoreMetrics } from './record-store.js'
import { SerialQueue } from './serial-queue.js'
import { ACTIVE_FILE, pendingFileName, pendingSequence } from './spill-layout.js'
import { fsyncDirectory, removeIfExists, writeFully } from './fs-util.js'

/** Where adoptStreamFile copies to before the rename; the exporter ignores the name. */
const INGEST_TEMPORARY = '.bufctl-ingest.tmp'

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
}

/** What the store knows of one pending file without reading its bodies. */
export interface PendingFile {
  readonly name: string
  readonly path: string
  readonly sequence: number
  readonly bytes: number
  readonly rows: number
  readonly mtimeMs: number
  /** Bytes after the complete-message prefix (0 for a clean file). */
  readonly damagedBytes: number
}

/** A drain that hands out files rather than batches. */
export interface FileDrain {
  readonly files: readonly PendingFile[]
  /** Complete rows of the files, from their metadata. */
  readonly rows: number
  commit(): Promise<void>
}

interface ActiveStream {
  readonly handle: FileHandle
  readonly schema: Schema
  /** Bytes written so far: always the end of a complete message. */
  size: number
  rows: number
}

export class DiskStore implements RecordStore {
  readonly location: string
  readonly #lock: DirectoryLock
  readonly #fsync: boolean
  readonly #damage: 'salvage' | 'strict'
  readonly #queue = new SerialQueue()
  #pending: PendingFile[]
  #nextSequence: number
  #active: ActiveStream | undefined
  #closed = false

  private constructor(directory: string, lock: DirectoryLock, pending: PendingFile[], options: DiskStoreOptions) {
    this.location = directory
    this.#lock = lock
    this.#pending = pending
    this.#nextSequence = (pending.at(-1)?.sequence ?? 0) + 1
    this.#fsync = options.fsync ?? false
    this.#damage = options.damage ?? 'salvage'
  }

  /**
   * Takes ownership of a table directory (creating it), then recovers: an orphaned `active.ipc`
   * with complete batches is renamed after every existing pending file; one without any complete
   * batch holds no data and is removed so it cannot block the table. Throws LockHeldError when
   * another process owns the directory.
   */
  static async open(directory: string, options: DiskStoreOptions = {}): Promise<DiskStore> {
    await mkdir(directory, { recursive: true })
    const lock = DirectoryLock.acquire(directory)
    try {
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
    return this.#pending
  }

  append(batch: RecordBatch): Promise<void> {
    return this.#queue.run(async () => {
      this.#assertOpen()
      if (this.#active && !sameSchema(this.#active.schema, batch.schema)) {
        throw new SchemaMismatchError(join(this.location, ACTIVE_FILE), fieldList(this.#active.schema), fieldList(batch.schema))
      }
      const { schemaMessage, dataMessages, rows } = await encodeBatch(batch, this.#active?.schema)
      const active = this.#active ?? (await this.#startActive(batch.schema, schemaMessage))
      try {
        await writeFully(active.handle, dataMessages, active.size)
        if (this.#fsync) await active.handle.sync()
      } catch (error) {
        await this.#abandonActive()
        throw new StoreWriteError(join(this.location, ACTIVE_FILE), error)
      }
      active.size += dataMessages.byteLength
      active.rows += rows
    })
  }

  /**
   * Takes a whole, already checked IPC stream file as the next pending file, copied by the kernel
   * (copy_file_range or a reflink) under a temporary name and renamed into place: the fast path of
   * ingest. The active stream is sealed first so that order is kept. The copy appears whole or not
   * at all; an end-of-stream marker is added if the source has none.
   */
  adoptStreamFile(source: string, info: { readonly rows: number; readonly endOfStream: boolean }): Promise<void> {
    return this.#queue.run(async () => {
      this.#assertOpen()
      await this.#sealActive()
      const temporary = join(this.location, INGEST_TEMPORARY)
      try {
        await copyFile(source, temporary)
        if (!info.endOfStream || this.#fsync) {
          const handle = await open(temporary, 'r+')
          try {
            if (!info.endOfStream) await writeFully(handle, END_OF_STREAM, (await handle.stat()).size)
            if (this.#fsync) await handle.sync()
          } finally {
            await handle.close()
          }
        }
        const sequence = this.#nextSequence++
        const name = pendingFileName(sequence)
        const path = join(this.location, name)
        await rename(temporary, path)
        if (this.#fsync) await fsyncDirectory(this.location)
        const { size, mtimeMs } = await stat(path)
        this.#pending.push({ name, path, sequence, bytes: size, rows: info.rows, mtimeMs, damagedBytes: 0 })
      } catch (error) {
        await removeIfExists(temporary).catch(() => undefined)
        throw new StoreWriteError(temporary, error)
      }
    })
  }

  drain(): Promise<Drain> {
    return this.#queue.run(async () => {
      this.#assertOpen()
      const { files, commit } = await this.#drainFiles()
      const batches: RecordBatch[] = []
      let rows = 0
      for (const file of files) {
        const fileBatches = await this.#readPending(file)
        for (const batch of fileBatches) rows += batch.numRows
        batches.push(...fileBatches)
      }
      return { batches, rows, commit }
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

  async #drainFiles(): Promise<FileDrain> {
    await this.#sealActive()
    const files = [...this.#pending]
    return { files, rows: files.reduce((sum, file) => sum + file.rows, 0), commit: () => this.#queue.run(() => this.#commit(files)) }
  }

  rows(): number {
    let rows = this.#active?.rows ?? 0
    for (const file of this.#pending) rows += file.rows
    return rows
  }

  isEmpty(): boolean {
    return this.rows() === 0
  }

  metrics(): StoreMetrics {
    let pendingBytes = 0
    let oldest = Infinity
    for (const file of this.#pending) {
      pendingBytes += file.bytes
      oldest = Math.min(oldest, file.mtimeMs)
    }
    return {
      pendingFiles: this.#pending.length,
      pendingBytes,
      oldestPendingAgeSeconds: this.#pending.length === 0 ? 0 : Math.max(0, (Date.now() - oldest) / 1000),
    }
  }

  /** Closes the active stream cleanly and releases the lock; every file stays on disk. */
  close(): Promise<void> {
    return this.#queue.run(async () => {
      if (this.#closed) return
      this.#closed = true
      try {
        const active = this.#active
        this.#active = undefined
        if (active) {
          try {
            await writeFully(active.handle, END_OF_STREAM, active.size)
          } finally {
            await active.handle.close()
          }
        }
      } finally {
        this.#lock.release()
      }
    })
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreClosedError(this.location)
  }

  async #startActive(schema: Schema, schemaMessage: Uint8Array): Promise<ActiveStream> {
    const path = join(this.location, ACTIVE_FILE)
    let handle: FileHandle
    try {
      // 'wx': recovery has moved any earlier active file away; never overwrite one.
      handle = await open(path, 'wx')
    } catch (error) {
      throw new StoreWriteError(path, error)
    }
    try {
      await writeFully(handle, schemaMessage, 0)
    } catch (error) {
      // The file holds no complete batch: discarding it loses nothing.
      await handle.close().catch(() => undefined)
      await removeIfExists(path).catch(() => undefined)
      throw new StoreWriteError(path, error)
    }
    this.#active = { handle, schema, size: schemaMessage.byteLength, rows: 0 }
    return this.#active
  }

  /**
   * After a failed write: cut the partial message off, then seal what holds complete batches, or
   * discard an active file that holds none. Best effort — recovery tolerates a torn tail anyway.
   */
  async #abandonActive(): Promise<void> {
    const active = this.#active
    if (!active) return
    const path = join(this.location, ACTIVE_FILE)
    await truncate(path, active.size).catch(() => undefined)
    if (active.rows > 0) {
      await this.#sealActive().catch(() => undefined)
    } else {
      this.#active = undefined
      await active.handle.close().catch(() => undefined)
      await removeIfExists(path).catch(() => undefined)
    }
  }

  /** Seals the active stream into the next pending file; an active file without rows is discarded. */
  async #sealActive(): Promise<void> {
    const active = this.#active
    if (!active) return
    this.#active = undefined
    const activePath = join(this.location, ACTIVE_FILE)
    if (active.rows === 0) {
      await active.handle.close()
      await removeIfExists(activePath)
      return
    }
    try {
      await writeFully(active.handle, END_OF_STREAM, active.size)
      if (this.#fsync) await active.handle.sync()
    } finally {
      await active.handle.close()
    }
    const sequence = this.#nextSequence++
    const name = pendingFileName(sequence)
    const path = join(this.location, name)
    await rename(activePath, path)
    if (this.#fsync) await fsyncDirectory(this.location)
    const { mtimeMs } = await stat(path)
    const bytes = active.size + END_OF_STREAM.byteLength
    this.#pending.push({ name, path, sequence, bytes, rows: active.rows, mtimeMs, damagedBytes: 0 })
  }

  async #readPending(file: PendingFile): Promise<RecordBatch[]> {
    const handle = await open(file.path, 'r')
    try {
      const scan = await scanStream(fileSource(handle, (await handle.stat()).size))
      const { batches, damage } = await salvageBatches(fileRangeReader(handle, { reuse: false }), scan, { keep: true })
      if (damage && this.#damage === 'strict') throw new CorruptStreamError(file.path, damage.offset, damage.reason)
      return batches
    } finally {
      await handle.close()
    }
  }

  async #commit(files: readonly PendingFile[]): Promise<void> {
    for (const file of files) await removeIfExists(file.path)
    if (this.#fsync) await fsyncDirectory(this.location)
    const committed = new Set(files.map((file) => file.name))
    this.#pending = this.#pending.filter((file) => !committed.has(file.name))
  }
}

/**
 * Promotes an orphaned active file and describes every pending file, in sequence order, from one
 * inspection of the directory (the caller's, when it has just made one).
 */
async function recoverDirectory(directory: string, fsync: boolean, known?: TableInspection): Promise<PendingFile[]> {
  // A copy that an ingest killed mid-way left behind is not data yet: it was never renamed in.
  await removeIfExists(join(directory, INGEST_TEMPORARY))
  const inspection = known ?? (await inspectTable(dirname(directory), basename(directory)))
  const pending = inspection.pending.map((file) => describePending(file, file.name, pendingSequence(file.name)!))
  const active = inspection.active
  if (active) {
    if (active.recordBatches > 0) {
      const sequence = (pending.at(-1)?.sequence ?? 0) + 1
      const name = pendingFileName(sequence)
      await rename(active.path, join(directory, name))
      // A rename changes neither bytes nor modification time: the inspection still holds.
      pending.push(describePending(active, name, sequence))
    } else {
      // 0-byte, schema-only or torn inside its first batch: no complete batch, nothing to keep.
      await unlink(active.path)
    }
    if (fsync) await fsyncDirectory(directory)
  }
  return pending
}

function describePending(file: StreamFileInspection, name: string, sequence: number): PendingFile {
  const path = join(dirname(file.path), name)
  return { name, path, sequence, bytes: file.bytes, rows: file.rows, mtimeMs: file.mtimeMs, damagedBytes: file.droppedBytes }
}
