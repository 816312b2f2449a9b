/**
 * The sealed stream files of a table directory, `pending-%06d.ipc`, in sequence order: what the
 * store knows of each without reading its bodies, the next sequence number, and the commit that
 * deletes exactly the files a drain covered.
 */
import { rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fsyncDirectory, removeIfExists } from '../fs-util.js'
import { entryPath, pendingFileName } from '../format/table-directory.js'
import { moveToQuarantine } from './quarantine.js'
import type { PendingFile, StoreMetrics } from './record-store.js'

export type { PendingFile }

/**
 * A pending file as a store lists it. Its path is made when asked for, not held: a backlog of
 * 50,000 files held 5 MiB of paths, each asked for once or twice in a drain.
 */
class ListedFile implements PendingFile {
  readonly #directory: string

  constructor(
    directory: string,
    readonly name: string,
    readonly sequence: number,
    readonly bytes: number,
    readonly rows: number,
    readonly mtimeMs: number,
    readonly damagedBytes: number,
  ) {
    this.#directory = directory
  }

  get path(): string {
    return entryPath(this.#directory, this.name)
  }
}

/** The pending file `name` of `directory`. */
export function pendingFile(directory: string, name: string, sequence: number, facts: Pick<PendingFile, 'bytes' | 'rows' | 'mtimeMs' | 'damagedBytes'>): PendingFile {
  return new ListedFile(directory, name, sequence, facts.bytes, facts.rows, facts.mtimeMs, facts.damagedBytes)
}

export class PendingFiles {
  readonly #directory: string
  #files: PendingFile[]
  #nextSequence: number

  /** `files` in sequence order, as recovery found them. */
  constructor(directory: string, files: readonly PendingFile[]) {
    this.#directory = directory
    this.#files = [...files]
    this.#nextSequence = (files.at(-1)?.sequence ?? 0) + 1
  }

  get list(): readonly PendingFile[] {
    return this.#files
  }

  /** Renames a complete stream file in as the next pending file (after every existing one) and records it. */
  async renameIn(from: string, rows: number, fsync: boolean): Promise<void> {
    const sequence = this.#nextSequence++
    const name = pendingFileName(sequence)
    const path = join(this.#directory, name)
    await rename(from, path)
    if (fsync) await fsyncDirectory(this.#directory)
    const { size, mtimeMs } = await stat(path)
    this.#files.push(pendingFile(this.#directory, name, sequence, { bytes: size, rows, mtimeMs, damagedBytes: 0 }))
  }

  rows(): number {
    let rows = 0
    for (const file of this.#files) rows += file.rows
    return rows
  }

  metrics(): StoreMetrics {
    let pendingBytes = 0
    let oldest = Infinity
    for (const file of this.#files) {
      pendingBytes += file.bytes
      oldest = Math.min(oldest, file.mtimeMs)
    }
    return {
      pendingFiles: this.#files.length,
      pendingBytes,
      oldestPendingAgeSeconds: this.#files.length === 0 ? 0 : Math.max(0, (Date.now() - oldest) / 1000),
    }
  }

  /** Deletes exactly `files` (a drain's) — moving the `damaged` ones to quarantine/ instead — and forgets them. */
  async commit(files: readonly PendingFile[], fsync: boolean, damaged: readonly PendingFile[] = []): Promise<void> {
    for (const file of files) {
      if (damaged.includes(file)) await moveToQuarantine(this.#directory, file.name, 'damaged: its complete batches were drained, the rest could not be read', { written: true })
      else await removeIfExists(file.path)
    }
    if (fsync) await fsyncDirectory(this.#directory)
    this.forget(files)
  }

  /** Stops listing `files` (removed or moved by someone who knew they were a drain's). */
  forget(files: readonly PendingFile[]): void {
    const gone = new Set(files)
    this.#files = this.#files.filter((file) => !gone.has(file))
  }
}
