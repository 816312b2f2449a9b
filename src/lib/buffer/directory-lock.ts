/**
 * Ownership of a table directory: an exclusive, non-blocking flock(2) on `<table>/.lock`, exactly
 * as the exporter takes it. It must be flock(2) — fcntl locks and lock directories do not conflict
 * with the exporter's. fs-ext is the maintained binding for flock(2) in Node.
 */
import { closeSync, constants, openSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { LockFailedError, LockHeldError } from '../errors.js'
import { explainSystemError } from '../usage-errors.js'
import { LOCK_FILE } from '../format/table-directory.js'
import { LOCK_FILE_MODE, matchOwnerOfDescriptor } from '../ownership.js'
import { findFlockHolder, holderOf } from './lock-holder.js'

const require = createRequire(import.meta.url)
type FsExt = { flockSync(fd: number, flags: 'exnb' | 'un'): void }
// fs-ext is CommonJS with a native addon, required at first use (require caches it) so that
// commands that never lock (status, --version) do not load it.
function flockSync(fd: number, flags: 'exnb' | 'un'): void {
  ;(require('fs-ext') as FsExt).flockSync(fd, flags)
}

export class DirectoryLock {
  #fd: number | undefined

  private constructor(
    readonly directory: string,
    fd: number,
  ) {
    this.#fd = fd
  }

  /** Takes the lock or throws LockHeldError naming the directory; never waits. */
  static acquire(directory: string): DirectoryLock {
    const lockFile = join(directory, LOCK_FILE)
    let fd: number
    try {
      fd = openLockFile(lockFile, directory)
    } catch (error) {
      throw explainSystemError(error) ?? new LockFailedError(lockFile, error)
    }
    try {
      flockSync(fd, 'exnb')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      const holder = code === 'EAGAIN' || code === 'EWOULDBLOCK' ? holderOf(fd) : undefined
      closeSync(fd)
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') throw new LockHeldError(directory, holder)
      throw new LockFailedError(lockFile, error)
    }
    return new DirectoryLock(directory, fd)
  }

  get held(): boolean {
    return this.#fd !== undefined
  }

  /** Releases the lock; closing the descriptor would too, the explicit unlock documents intent. */
  release(): void {
    const fd = this.#fd
    if (fd === undefined) return
    this.#fd = undefined
    try {
      flockSync(fd, 'un')
    } finally {
      closeSync(fd)
    }
  }
}

/**
 * Opens `.lock` as the exporter does — read-only, created 0600 if missing, its content never
 * touched — and never through a symbolic link (a planted link would make root create or lock a
 * file elsewhere). A lock file bufctl creates as root belongs to the directory's owner.
 */
function openLockFile(lockFile: string, directory: string): number {
  const flags = constants.O_RDONLY | constants.O_NOFOLLOW
  try {
    const fd = openSync(lockFile, flags | constants.O_CREAT | constants.O_EXCL, LOCK_FILE_MODE)
    try {
      matchOwnerOfDescriptor(fd, directory)
    } catch (error) {
      closeSync(fd)
      throw error
    }
    return fd
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  return openSync(lockFile, flags)
}

/**
 * Runs `task` while holding the directory's lock, releasing it on every path. The task may hand
 * the lock to a store, which then releases it itself (a second release is a no-op).
 */
export async function withDirectoryLock<T>(directory: string, task: (lock: DirectoryLock) => Promise<T>): Promise<T> {
  const lock = DirectoryLock.acquire(directory)
  try {
    return await task(lock)
  } finally {
    lock.release()
  }
}

export interface LockState {
  readonly inUse: boolean
  /** The holder's PID, when the kernel tells it (Linux /proc/locks). */
  readonly holderPid?: number
}

/**
 * Whether another process holds the table's flock. On Linux, /proc/locks lists every flock with
 * the holder's PID and the file's device and inode, so the exporter's own lock attempts are never
 * disturbed; elsewhere a brief non-blocking probe is the fallback.
 */
export async function lockState(directory: string, procLocks = '/proc/locks'): Promise<LockState> {
  const lockFile = join(directory, LOCK_FILE)
  let info
  try {
    info = await stat(lockFile)
  } catch {
    return { inUse: false } // no lock file: nobody has ever locked it
  }
  let table: string
  try {
    table = await readFile(procLocks, 'utf8')
  } catch {
    return probeLock(directory)
  }
  const holderPid = findFlockHolder(table, info.dev, info.ino)
  return holderPid === undefined ? { inUse: false } : { inUse: true, holderPid }
}

function probeLock(directory: string): LockState {
  try {
    DirectoryLock.acquire(directory).release()
    return { inUse: false }
  } catch {
    return { inUse: true }
  }
}
