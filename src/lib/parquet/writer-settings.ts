/**
 * The Parquet writer's settings, as the exporter writes its files: zstd by default, dictionary
 * encoding on, statistics per column chunk (a page index costs time and no reader of this data
 * asks for it), large row groups.
 */
import { COMPRESSIONS, type Compression } from '../output-options.js'
import { InvalidOptionsError } from '../usage-errors.js'

export { COMPRESSIONS, type Compression }

type ParquetWasm = typeof import('parquet-wasm')

/**
 * Rows per row group (arrow-rs's default): fewer, larger groups compress better and encode faster.
 * wasm buffers a whole row group and its memory never shrinks, so --target-file-size is what bounds
 * it in bytes: parquet-wasm 0.8 takes setMaxRowGroupBytes but its stream writer does not cut by it
 * (a 152 MiB row group came out with the bound at 96 MiB).
 */
const ROW_GROUP_ROWS = 1024 * 1024

/** Writer properties for one file; transformParquetStream takes ownership of them. */
export function writerProperties(wasm: ParquetWasm, compression: Compression, metadata: Readonly<Record<string, string>> = {}) {
  const codec: Record<Compression, import('parquet-wasm').Compression> = {
    zstd: wasm.Compression.ZSTD,
    snappy: wasm.Compression.SNAPPY,
    gzip: wasm.Compression.GZIP,
    lz4: wasm.Compression.LZ4_RAW,
    brotli: wasm.Compression.BROTLI,
    none: wasm.Compression.UNCOMPRESSED,
  }
  if (!(compression in codec)) throw new InvalidOptionsError('--compression', `expected one of ${COMPRESSIONS.join(', ')}, got ${compression}`)
  return new wasm.WriterPropertiesBuilder()
    .setCompression(codec[compression])
    .setDictionaryEnabled(true)
    .setStatisticsEnabled(wasm.EnabledStatistics.Chunk)
    .setCreatedBy('bufctl')
    .setKeyValueMetadata(new Map(Object.entries(metadata)))
    .setMaxRowGroupSize(ROW_GROUP_ROWS)
    .build()
}
