/**
 * Ownership of a table directory: an exclusive, non-blocking flock(2) on `<table>/.lock`, exactly
 * as the exporter takes it. It must be flock(2) — fcntl locks and lock directories do not conflict
 * with the exporter's. fs-ext is the maintained binding for flock(2) in Node.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { LockFailedError, LockHeldError } from './errors.js'

const require = createRequire(import.meta.url)
type FsExt = { flockSync(fd: number, flags: 'exnb' | 'un'): void }
// fs-ext is CommonJS with a native addon, required at first use (require caches it) so that
// commands that never lock (status, --version) do not load it.
function flockSync(fd: number, flags: 'exnb' | 'un'): void {
  ;(require('fs-ext') as FsExt).flockSync(fd, flags)
}

export const LOCK_FILE = '.lock'

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
      // O_RDWR|O_CREAT without O_TRUNC, as the exporter opens it: the file's content is never touched.
      fd = openSync(lockFile, constants.O_RDWR | constants.O_CREAT, 0o644)
    } catch (error) {
      throw new LockFailedError(lockFile, error)
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

/** The PID holding a flock on the file open at `fd`, from /proc/locks (Linux); undefined elsewhere. */
function holderOf(fd: number): number | undefined {
  try {
    const { dev, ino } = fstatSync(fd)
    return findFlockHolder(readFileSync('/proc/locks', 'utf8'), dev, ino)
  } catch {
    return undefined
  }
}

/**
 * Finds the holder of a flock in the text of /proc/locks, whose lines read
 * `1: FLOCK  ADVISORY  WRITE 2284 fe:00:2146411 0 EOF` (device as hex major:minor, then inode);
 * lines with `->` are blocked waiters, not holders.
 */
export function findFlockHolder(procLocks: string, dev: number, ino: number): number | undefined {
  const major = Math.floor(dev / 256) & 0xfff
  const minor = (dev & 0xff) | (Math.floor(dev / 4096) & 0xfff00)
  for (const line of procLocks.split('\n')) {
    const fields = line.trim().split(/\s+/)
    if (fields[1] !== 'FLOCK' || fields[2] === '->') continue
    const [devMajor, devMinor, inode] = (fields[5] ?? '').split(':')
    if (Number(inode) === ino && parseInt(devMajor ?? '', 16) === major && parseInt(devMinor ?? '', 16) === minor) return Number(fields[4])
  }
  return undefined
}
