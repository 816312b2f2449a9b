/**
 * Compressed Arrow IPC bodies (LZ4 frame and ZSTD, written by arrow-go, Arrow C++ and pyarrow on
 * request): apache-arrow decodes them through its compression registry once a codec is there;
 * lz4js and fzstd are maintained pure-JavaScript decoders (no native build). Registering is
 * idempotent and happens before bufctl decodes a batch (and in every encoder thread).
 */
import { CompressionType, compressionRegistry } from 'apache-arrow'
import { decompress as zstdDecompress } from 'fzstd'
import lz4 from 'lz4js'

export function registerCodecs(): void {
  if (!compressionRegistry.get(CompressionType.ZSTD)) compressionRegistry.set(CompressionType.ZSTD, { decode: (bytes) => zstdDecompress(bytes) })
  if (!compressionRegistry.get(CompressionType.LZ4_FRAME)) compressionRegistry.set(CompressionType.LZ4_FRAME, { decode: (bytes) => Uint8Array.from(lz4.decompress(bytes)) })
}
