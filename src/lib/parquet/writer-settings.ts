/**
 * The Parquet writer's settings, as the exporter writes its files: zstd by default, dictionary
 * encoding on, statistics per column chunk (a page index costs time and no reader of this data
 * asks for it), large row groups. Changes, each measured on 1M exporter logs (the values are the
 * same; every Parquet reader reads these encodings):
 * - Timestamp columns are stored as deltas (DELTA_BINARY_PACKED) instead of through a dictionary.
 *   Timestamps are nearly all distinct, so their dictionary fills, is abandoned half-way and costs
 *   time for nothing; deltas of times that mostly rise take a few bits each. On 1M timestamps
 *   100 µs apart with random jitter of 1 ms, 1 s and 60 s, zstd pages took 1.4, 2.7 and 3.4 bytes
 *   per value as deltas, 2.3, 3.6 and 4.1 through the dictionary.
 * - Other number columns go without a dictionary: zstd makes a column of few values as small
 *   plainly (0.0 MiB either way for the logs' five int32 columns) at a fifth of the time.
 * - Columns are written 8,192 rows at a time (not 1,024) between checks of the page size.
 * With the row groups below, the writer's CPU for 1M logs (one thread) went 7.0 → 6.3 s, its bytes
 * 33.0 → 34.2 MiB. Measured and not kept: a dictionary that gives up at 256 KiB instead of 1 MiB
 * (another 0.5 s less, 3% fewer bytes) — a column of ~1,000 distinct 1 KiB values then falls out
 * of its dictionary, and uncompressed such rows took a recover from 250 MiB to 1.6 GB of RSS.
 */
import { COMPRESSIONS, type Compression } from '../options/output-options.js'
import { InvalidOptionsError } from '../usage-errors.js'
import type { ColumnEncodings } from '../format/schema-summary.js'

export { COMPRESSIONS, type Compression }

type ParquetWasm = typeof import('parquet-wasm')

/**
 * Rows per row group. wasm buffers a whole row group and its memory never shrinks, so this bounds
 * each encoder's heap (parquet-wasm 0.8 takes setMaxRowGroupBytes but its stream writer does not
 * cut by it). Measured on 1M exporter logs, two encoders: 524,288 rows peaked at 410–465 MiB,
 * 262,144 at 357–381 MiB, 131,072 at 309–353 MiB (each encoder's wasm memory 75 → 43 MiB).
 * 65,536 rows, measured again once chunks were freed as written (2026-12-05): each encoder's wasm
 * memory 42–50 → 34–39 MiB, 1M rows peaked 25 MiB lower (8,192-row batches 245–253 against
 * 269–277 MiB) and 50,000 small files 284–290 against 294–306 MiB, in the same time or less (5,000
 * small files 3.32–3.34 s against 3.40–3.55 s: a file's last row group, encoded after its rows are
 * all in, is shorter), for 1.4% more Parquet bytes. (An earlier trial of 196,608 cost a recover
 * into S3 of wide rows ~30 MB; test/s3/memory.test.ts bounds a recover into S3.)
 */
const ROW_GROUP_ROWS = 65_536

/** Rows the writer takes into a column at a time, checking the page size after each. */
const WRITE_BATCH_ROWS = 8192

/**
 * Writer properties for one file, whose columns are stored as `encodings` says where that differs
 * from the default; transformParquetStream takes ownership of them.
 */
export function writerProperties(wasm: ParquetWasm, compression: Compression, metadata: Readonly<Record<string, string>> = {}, encodings?: ColumnEncodings) {
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
  for (const column of encodings?.deltas ?? []) builder = builder.setColumnDictionaryEnabled(column, false).setColumnEncoding(column, wasm.Encoding.DELTA_BINARY_PACKED)
  for (const column of encodings?.plain ?? []) builder = builder.setColumnDictionaryEnabled(column, false)
  return builder
    .setCompression(codec[compression])
    .setDictionaryEnabled(true)
    .setWriteBatchSize(WRITE_BATCH_ROWS)
    .setStatisticsEnabled(wasm.EnabledStatistics.Chunk)
    .setCreatedBy('bufctl')
    .setKeyValueMetadata(new Map(Object.entries(metadata)))
    .setMaxRowGroupSize(ROW_GROUP_ROWS)
    .build()
}
