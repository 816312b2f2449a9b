/** Small file-system helpers shared by the stores and the writers. */
import { randomBytes } from 'node:crypto'
import { constants, openSync, readSync, unlinkSync } from 'node:fs'
import { link, mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { JournalError } from './errors.js'
import { matchOwner } from './ownership.js'
import { display } from './pinned-directory.js'

/** Writes all of `bytes` at `position`, looping over short writes. */
export async function writeFully(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let written = 0
  while (written < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.byteLength - written, position + written)
    if (bytesWritten === 0) throw new Error('write returned 0 bytes')
    written += bytesWritten
  }
}

/**
 * Reads `length` bytes at `position` into `into` at `at` on the calling thread, looping over short
 * reads (a signal, a network file system); fewer only at the end of the file. Returns the bytes read.
 */
export function readFullySync(fd: number, into: Uint8Array, at: number, length: number, position: number): number {
  let done = 0
  while (done < length) {
    const read = readSync(fd, into, at + done, length - done, position + done)
    if (read === 0) break
    done += read
  }
  return done
}

const BUFFER_FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK

/**
 * Opens a file inside a spill directory for reading without following a link or waiting on a
 * FIFO: what is there may have been planted, and the caller already judged the entry a regular file.
 */
export function openBufferFile(path: string): Promise<FileHandle> {
  return open(path, BUFFER_FILE_FLAGS)
}

/** openBufferFile on the calling thread: a descriptor, for synchronous reads. */
export function openBufferFileSync(path: string): number {
  return openSync(path, BUFFER_FILE_FLAGS)
}

/** The error, naming `path` when it names no file (a failed write or fsync names none). */
export function withPath(error: unknown, path: string): unknown {
  const errno = error as NodeJS.ErrnoException | undefined
  if (errno && typeof errno === 'object' && typeof errno.code === 'string' && errno.path === undefined) errno.path = path
  return error
}

/** fsync a directory, so that renames and unlinks inside it are durable. */
export async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** unlink that treats an already-missing file as done. */
export async function removeIfExists(path: string): Promise<void> {
  try {
    await unlink(path)
  } catch (error) {
    if (!isMissing(error)) throw error
  }
}

/** removeIfExists on the calling thread (for passes over thousands of files). */
export function removeIfExistsSync(path: string): void {
  try {
    unlinkSync(path)
  } catch (error) {
    if (!isMissing(error)) throw error
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT'
}

/**
 * Writes a file so that it appears whole or not at all: a temporary name beside it — unpredictable,
 * created exclusively and never through a link, so nothing planted there is followed or
 * overwritten — then fsync, rename, fsync of the directory. `mode` is applied whatever the umask.
 */
export async function writeFileAtomically(path: string, bytes: Uint8Array | Iterable<Uint8Array>, options: { readonly mode?: number } = {}): Promise<void> {
  const temporary = await writeTemporary(path, bytes, options.mode)
  await rename(temporary, path)
  await fsyncDirectory(dirname(path))
}

/**
 * As writeFileAtomically, but only if nothing is at `path` yet: the whole file is published with
 * link(2), which fails when the name exists, so a reader never sees it part-written (as a file
 * created exclusively and then written would be). False when the name was taken.
 */
export async function writeFileExclusively(path: string, bytes: Uint8Array): Promise<boolean> {
  const temporary = await writeTemporary(path, bytes)
  try {
    await link(temporary, path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    await removeIfExists(temporary)
  }
  await fsyncDirectory(dirname(path))
  return true
}

/**
 * `bytes` (or the pieces of them, in order) under a temporary name beside `path`, synced; removed
 * again if writing fails.
 */
async function writeTemporary(path: string, bytes: Uint8Array | Iterable<Uint8Array>, mode?: number): Promise<string> {
  const directory = dirname(path)
  await mkdir(directory, { recursive: true })
  const temporary = join(directory, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode ?? 0o644)
  try {
    await matchOwner(temporary)
    if (mode !== undefined) await handle.chmod(mode)
    let at = 0
    for (const piece of bytes instanceof Uint8Array ? [bytes] : bytes) {
      await writeFully(handle, piece, at)
      at += piece.byteLength
    }
    await handle.sync()
  } catch (error) {
    await handle.close().catch(() => undefined)
    await removeIfExists(temporary).catch(() => undefined)
    throw error
  }
  await handle.close()
  return temporary
}

/** A bookkeeping file past this size is not one bufctl wrote (a journal of a drain of 100,000 files takes about 15 MB). */
const MAX_BOOKKEEPING_BYTES = 32 * 1024 * 1024

/** A bookkeeping file's text, read only if it is a regular file of a plausible size (never a link or a FIFO). */
export async function readTrusted(location: string | Buffer): Promise<string | undefined> {
  const path = typeof location === 'string' ? location : display(location)
  let text: string
  try {
    const handle = await open(location, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
    try {
      const info = await handle.stat()
      if (!info.isFile()) throw new JournalError(path, 'not a regular file')
      if (info.size > MAX_BOOKKEEPING_BYTES) throw new JournalError(path, `${info.size} bytes, more than any journal bufctl writes`)
      text = await handle.readFile('utf8')
    } finally {
      await handle.close()
    }
  } catch (error) {
    if (isMissing(error)) return undefined
    if (error instanceof JournalError) throw error
    throw new JournalError(path, (error as Error).message)
  }
  return text
}
