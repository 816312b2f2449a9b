/**
 * Where framing reads bytes from: a buffer in memory, or an open file read ahead in windows so
 * that a scan costs about one read per message.
 */
import type { FileHandle } from 'node:fs/promises'

/** Read-ahead window for scanning files: one read usually covers a prefix and its metadata. */
const WINDOW_BYTES = 64 * 1024

/** A random-access source of bytes: an in-memory buffer or an open file. */
export interface ByteSource {
  readonly size: number
  /** Reads up to `length` bytes at `offset` (fewer only at the end of the source). */
  read(offset: number, length: number): Promise<Uint8Array>
}

export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.byteLength,
    read: async (offset, length) => bytes.subarray(offset, Math.min(offset + length, bytes.byteLength)),
  }
}

/** A file source that reads ahead in windows, so a scan costs about one read per message. */
export function fileSource(handle: FileHandle, size: number): ByteSource {
  let windowStart = 0
  let window = new Uint8Array(0)
  return {
    size,
    async read(offset, length) {
      const want = Math.min(length, size - offset)
      if (offset >= windowStart && offset + want <= windowStart + window.byteLength) {
        return window.subarray(offset - windowStart, offset - windowStart + want)
      }
      const chunk = new Uint8Array(Math.max(want, Math.min(WINDOW_BYTES, size - offset)))
      const { bytesRead } = await handle.read(chunk, 0, chunk.byteLength, offset)
      windowStart = offset
      window = chunk.subarray(0, bytesRead)
      return window.subarray(0, Math.min(want, bytesRead))
    },
  }
}

/** The same source ending at `end`: the stream inside an IPC file stops where its footer starts. */
export function limitSource(source: ByteSource, end: number): ByteSource {
  return { size: Math.min(end, source.size), read: (offset, length) => source.read(offset, Math.min(length, Math.max(0, end - offset))) }
}
