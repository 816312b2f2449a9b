/** Small file-system helpers shared by the stores and the writers. */
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { matchOwner } from './ownership.js'

/** Writes all of `bytes` at `position`, looping over short writes. */
export async function writeFully(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let written = 0
  while (written < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.byteLength - written, position + written)
    if (bytesWritten === 0) throw new Error('write returned 0 bytes')
    written += bytesWritten
  }
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
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}

/** The hidden temporary name a file is written under before its rename (readers' globs skip it). */
export function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp`)
}

/** Writes a file so that it appears whole or not at all: temp name, fsync, rename, fsync directory. */
export async function writeFileAtomically(path: string, bytes: Uint8Array): Promise<void> {
  await writeStreamAtomically(path, [bytes])
}

/** Writes a stream of chunks so that the file appears whole or not at all; returns the bytes written. */
export async function writeStreamAtomically(path: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<number> {
  const directory = dirname(path)
  await mkdir(directory, { recursive: true })
  const temporary = temporaryPath(path)
  const handle = await open(temporary, 'w')
  let size = 0
  try {
    await matchOwner(temporary)
    for await (const chunk of chunks) {
      await writeFully(handle, chunk, size)
      size += chunk.byteLength
    }
    await handle.sync()
  } catch (error) {
    await handle.close().catch(() => undefined)
    await removeIfExists(temporary).catch(() => undefined)
    throw error
  }
  await handle.close()
  await rename(temporary, path)
  await fsyncDirectory(directory)
  return size
}
