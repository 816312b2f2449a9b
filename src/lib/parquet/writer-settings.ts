/**
 * The Parquet writer's settings, as the exporter writes its files: zstd by default, dictionary
 * encoding on, statistics per column chunk (a page index costs time and no reader of this data
 * asks for it), large row groups. One change, measured: timestamp columns are stored as deltas
 * (DELTA_BINARY_PACKED) instead of through a dictionary. Timestamps are nearly all distinct, so
 * their dictionary fills, is abandoned half-way and costs time for nothing; deltas of times that
 * mostly rise take a few bits each. On 1M timestamps 100 µs apart with random jitter of 1 ms, 1 s
 * and 60 s, zstd pages took 1.4, 2.7 and 3.4 bytes per value as deltas, 2.3, 3.6 and 4.1 through
 * the dictionary. Every Parquet reader reads this encoding; the values are the same.
 */
import { COMPRESSIONS, type Compression } from '../options/output-options.js'
import { InvalidOptionsError } from '../usage-errors.js'

export { COMPRESSIONS, type Compression }

type ParquetWasm = typeof import('parquet-wasm')

/**
 * Rows per row group. wasm buffers a whole row group and its memory never shrinks, so this bounds
 * each encoder's heap (parquet-wasm 0.8 takes setMaxRowGroupBytes but its stream writer does not
 * cut by it). Measured on 1M exporter logs, two encoders: 262,144 rows peak at ~350 MiB (as 5,000
 * small files, ~400 MiB), 524,288 at 410–465 MiB, for ~2% more Parquet bytes. 196,608 would save
 * another ~30 MiB, but wide rows (1.3 KB) then fill a 256 MiB output with one large row group and a
 * small one, which costs a recover into S3 ~30 MB more than before (test/s3/memory.test.ts).
 */
const ROW_GROUP_ROWS = 262_144

/**
 * Writer properties for one file, whose top-level timestamp columns (not dictionary-encoded) are
 * `timestampColumns`; transformParquetStream takes ownership of them.
 */
export function writerProperties(wasm: ParquetWasm, compression: Compression, metadata: Readonly<Record<string, string>> = {}, timestampColumns: readonly string[] = []) {
  const codec: Record<Compression, import('parquet-wasm').Compression> = {
    zstd: wasm.Compression.ZSTD,
    snappy: wasm.Compression.SNAPPY,
    gzip: wasm.Compression.GZIP,
    lz4: wasm.Compression.LZ4_RAW,
    brotli: wasm.Compression.BROTLI,
    none: wasm.Compression.UNCOMPRESSED,
  }
  if (!(compression in codec)) throw new InvalidOptionsError('--compression', `expected one of ${COMPRESSIONS.join(', ')}, got ${compression}`)
  let builder = new wasm.WriterPropertiesBuilder()
  for (const column of timestampColumns) builder = builder.setColumnDictionaryEnabled(column, false).setColumnEncoding(column, wasm.Encoding.DELTA_BINARY_PACKED)
  return builder
    .setCompression(codec[compression])
    .setDictionaryEnabled(true)
    .setStatisticsEnabled(wasm.EnabledStatistics.Chunk)
    .setCreatedBy('bufctl')
    .setKeyValueMetadata(new Map(Object.entries(metadata)))
    .setMaxRowGroupSize(ROW_GROUP_ROWS)
    .build()
}
