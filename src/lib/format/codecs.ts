/**
 * Compressed Arrow IPC bodies (LZ4 frame and ZSTD, written by arrow-go, Arrow C++ and pyarrow on
 * request): apache-arrow decodes them through its compression registry once a codec is there.
 * fzstd is a maintained pure-JavaScript ZSTD decoder; lz4-napi wraps lz4_flex (Rust, prebuilt for
 * each platform, no build), whose frame decoder bounds every read — a damaged LZ4 frame is an error
 * at once, where a JavaScript decoder loops for billions of steps on declared sizes. Registering is
 * idempotent and happens before bufctl decodes a batch (and in every encoder thread).
 */
import { createRequire } from 'node:module'
import { CompressionType, compressionRegistry } from 'apache-arrow'
import { decompress as zstdDecompress } from 'fzstd'

// lz4-napi is CommonJS with a native binding: loaded through require (which caches it) on first use.
const require = createRequire(import.meta.url)

/** An LZ4 frame's bytes, decompressed. */
export function decodeLz4Frame(bytes: Uint8Array): Uint8Array {
  const { decompressFrameSync } = require('lz4-napi') as typeof import('lz4-napi')
  return new Uint8Array(decompressFrameSync(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)))
}

/** A ZSTD frame's bytes, decompressed. */
export function decodeZstd(bytes: Uint8Array): Uint8Array {
  return zstdDecompress(bytes)
}

/** Adds a decoder where the registry has none, keeping whatever encoder (or decoder) the application registered. */
export function registerCodecs(): void {
  const decoders = [
    [CompressionType.ZSTD, decodeZstd],
    [CompressionType.LZ4_FRAME, decodeLz4Frame],
  ] as const
  for (const [type, decode] of decoders) {
    const present = compressionRegistry.get(type)
    if (!present?.decode) compressionRegistry.set(type, { ...present, decode })
  }
}
