/**
 * Where framing reads bytes from: a buffer in memory, or an open file read ahead in windows so
 * that a scan costs about one read per message.
 */
import { readSync } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'

/**
 * Read-ahead window for scanning files: one read usually covers a prefix and its metadata (the
 * exporter's logs: 1.4 KB of schema, 1.3 KB per batch). Not more: a window past the metadata
 * copies body bytes the scan skips, and at 64 KiB inspecting a file of 200-row batches copied
 * 60% of the file, on the one thread that works before the encoders start.
 */
const WINDOW_BYTES = 16 * 1024

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
  return windowedSource(size, async (chunk, offset) => (await handle.read(chunk, 0, chunk.byteLength, offset)).bytesRead)
}

/**
 * A file source read with read(2) on the calling thread, windowed like fileSource. For scanning
 * thousands of small files, where each thread-pool round trip costs more than the read itself.
 * The window's buffer is reused, across the sources given the same `scratch` too: a view returned
 * by `read` is valid until the next read (framing consumes each before it reads on).
 */
export function descriptorSource(fd: number, size: number, scratch: { buffer?: Uint8Array } = {}): ByteSource {
  return windowedSource(size, (chunk, offset) => readSync(fd, chunk, 0, chunk.byteLength, offset), scratch)
}

/**
 * Reads ahead in windows of WINDOW_BYTES through `fill` (which reads into a chunk at an offset and
 * says how many bytes it read). With `scratch`, windows reuse its buffer instead of a new one each.
 */
function windowedSource(size: number, fill: (chunk: Uint8Array, offset: number) => number | Promise<number>, scratch?: { buffer?: Uint8Array }): ByteSource {
  let windowStart = 0
  let window: Uint8Array = new Uint8Array(0)
  return {
    size,
    async read(offset, length) {
      const want = Math.min(length, size - offset)
      if (offset < windowStart || offset + want > windowStart + window.byteLength) {
        const span = Math.max(want, Math.min(WINDOW_BYTES, size - offset))
        // Only metadata larger than a window (rare) gets a buffer of its own.
        const chunk = scratch && span <= WINDOW_BYTES ? (scratch.buffer ??= new Uint8Array(WINDOW_BYTES)).subarray(0, span) : new Uint8Array(span)
        const read = await fill(chunk, offset)
        windowStart = offset
        window = chunk.subarray(0, read)
      }
      return window.subarray(offset - windowStart, Math.min(offset - windowStart + want, window.byteLength))
    },
  }
}

/** The same source ending at `end`: the stream inside an IPC file stops where its footer starts. */
export function limitSource(source: ByteSource, end: number): ByteSource {
  return { size: Math.min(end, source.size), read: (offset, length) => source.read(offset, Math.min(length, Math.max(0, end - offset))) }
}
