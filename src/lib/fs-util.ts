/** Small file-system helpers shared by the stores and the writers. */
import { open, unlink, type FileHandle } from 'node:fs/promises'

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
