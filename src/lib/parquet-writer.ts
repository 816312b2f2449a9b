/**
 * Writing Parquet with parquet-wasm: the writer settings, the stream of Parquet bytes guarded
 * against parquet-wasm's silent truncation, and batches held in memory written under the layout
 * of output-layout. Files are written under a hidden temporary name, fsynced, renamed and their
 * directory fsynced: a reader never sees a partial file.
 */
import { Table, tableToIPC, type RecordBatch } from 'apache-arrow'
import { describe, InvalidOptionsError } from './errors.js'
import { fieldList } from './ipc-codec.js'
import { writeStreamAtomically } from './fs-util.js'
import { defaultPartitionColumn, partitionRuns, type Granularity } from './partitioning.js'
import { OutputLayout } from './output-layout.js'

import { COMPRESSIONS, type Compression } from './output-options.js'

export { COMPRESSIONS, type Compression }

export interface ParquetLayoutOptions {
  /** Root of the output tree. */
  readonly out: string
  /** @default 'hour' */
  readonly granularity?: Granularity
  /** Timestamp column; by default the table's (see defaultPartitionColumn). */
  readonly partitionBy?: string
}

export interface ParquetWriteOptions {
  /** @default 'zstd' */
  readonly compression?: Compression
}

/** One Parquet file to write: its final path and the batches (or slices) that go in it. */
export interface OutputPlan {
  readonly path: string
  readonly partition: string
  readonly batches: readonly RecordBatch[]
  readonly rows: number
}

/** A Parquet file written and durable. */
export interface WrittenOutput {
  readonly path: string
  readonly partition: string
  readonly rows: number
  readonly bytes: number
}

/** Lays out batches held in memory (ingest's flushes) as flush and recover lay out files. */
export function planOutputs(table: string, batches: readonly RecordBatch[], name: string, layout: ParquetLayoutOptions): OutputPlan[] {
  const granularity = layout.granularity ?? 'hour'
  const column = layout.partitionBy ?? defaultPartitionColumn(table)
  // One drain in memory is one file per (schema, partition): no size target.
  const files = new OutputLayout<RecordBatch>({ out: layout.out, table, name, targetFileBytes: Infinity })
  for (const batch of batches) {
    const signature = fieldList(batch.schema)
    for (const run of partitionRuns(batch, column, granularity, table)) {
      files.add(signature, run.partition, run.start === 0 && run.end === batch.numRows ? batch : batch.slice(run.start, run.end), run.end - run.start, 0)
    }
  }
  return files.files().map(({ path, partition, rows, pieces }) => ({ path, partition, rows, batches: pieces }))
}

/**
 * Encodes one planned output and writes it atomically; returns its size. Batches enter wasm one at
 * a time and Parquet leaves as a stream, so wasm holds about one row group, not the whole output.
 */
export async function writeOutput(plan: OutputPlan, options: ParquetWriteOptions = {}): Promise<WrittenOutput> {
  const bytes = await writeStreamAtomically(plan.path, encodeParquetStream(plan.batches, options.compression ?? 'zstd'))
  return { path: plan.path, partition: plan.partition, rows: plan.rows, bytes }
}

type ParquetWasm = typeof import('parquet-wasm')

/** Rows per row group (arrow-rs's default): fewer, larger groups compress better and encode faster. */
const ROW_GROUP_ROWS = 1024 * 1024

/** A wasm record batch and its rows; undefined when there are no more. */
export type WasmBatchSource = () => Promise<{ batch: import('parquet-wasm').RecordBatch; rows: number } | undefined>

/**
 * Parquet bytes (statistics and dictionary encoding on) for the batches `next` yields, one at a
 * time, as a stream. parquet-wasm ends its output cleanly even when its input fails — a short
 * file, no error — so the rows handed over are counted and any input failure is rethrown after
 * the last chunk, before the caller renames the file into place.
 */
export async function* parquetStream(next: WasmBatchSource, expectedRows: number, compression: Compression): AsyncGenerator<Uint8Array> {
  const wasm: ParquetWasm = await import('parquet-wasm')
  let handedOver = 0
  let inputError: unknown
  const input = new ReadableStream(
    {
      async pull(controller) {
        try {
          const item = await next()
          if (!item) return controller.close()
          controller.enqueue(item.batch)
          handedOver += item.rows
        } catch (error) {
          inputError = error
          controller.error(error)
        }
      },
    },
    { highWaterMark: 1 },
  )
  // transformParquetStream takes ownership of the properties and of every batch it reads.
  yield* await wasm.transformParquetStream(input, writerProperties(wasm, compression))
  if (inputError !== undefined) throw new Error(`the Parquet writer rejected a record batch: ${describe(inputError)}`)
  if (handedOver !== expectedRows) throw new Error(`the Parquet writer took ${handedOver} of ${expectedRows} rows`)
}

/** parquetStream over record batches held in JavaScript (ingest's flushes). */
export async function* encodeParquetStream(batches: readonly RecordBatch[], compression: Compression): AsyncGenerator<Uint8Array> {
  const wasm: ParquetWasm = await import('parquet-wasm')
  let index = 0
  const next: WasmBatchSource = async () => {
    const batch = batches[index++]
    return batch && { batch: toWasmBatch(wasm, batch), rows: batch.numRows }
  }
  yield* parquetStream(next, batches.reduce((sum, batch) => sum + batch.numRows, 0), compression)
}

function writerProperties(wasm: ParquetWasm, compression: Compression) {
  const codec: Record<Compression, number> = {
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
    .setStatisticsEnabled(wasm.EnabledStatistics.Page)
    .setCreatedBy('bufctl')
    // wasm buffers a whole row group before writing it; --target-file-size bounds it further.
    .setMaxRowGroupSize(ROW_GROUP_ROWS)
    .build()
}

/** One batch into wasm memory, through its own IPC stream (so each batch keeps its own dictionaries). */
function toWasmBatch(wasm: ParquetWasm, batch: RecordBatch) {
  const table = wasm.Table.fromIPCStream(tableToIPC(new Table([batch]), 'stream'))
  try {
    return table.recordBatch(0)!
  } finally {
    table.free()
  }
}
