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
 * - A dictionary gives up at 256 KiB instead of 1 MiB: a column that fills that much in one row
 *   group (ids, free text, per-row JSON) is not worth a dictionary, and fills it 4× sooner.
 * - Columns are written 8,192 rows at a time (not 1,024) between checks of the page size.
 * Together: the writer's CPU time for 1M logs 6.8–7.1 s → 6.0 s, Parquet bytes 33.0 → 32.1 MiB.
 */
import { COMPRESSIONS, type Compression } from '../options/output-options.js'
import { InvalidOptionsError } from '../usage-errors.js'
import type { ColumnEncodings } from '../format/schema-summary.js'

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

/** Bytes of a column chunk's dictionary beyond which the writer stores the rest of it plainly. */
const DICTIONARY_PAGE_BYTES = 256 * 1024

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
    .setDictionaryPageSizeLimit(DICTIONARY_PAGE_BYTES)
    .setWriteBatchSize(WRITE_BATCH_ROWS)
    .setStatisticsEnabled(wasm.EnabledStatistics.Chunk)
    .setCreatedBy('bufctl')
    .setKeyValueMetadata(new Map(Object.entries(metadata)))
    .setMaxRowGroupSize(ROW_GROUP_ROWS)
    .build()
}
