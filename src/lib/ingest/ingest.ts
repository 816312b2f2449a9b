/**
 * ingest: feed Arrow IPC inputs (stream or file format, detected from the bytes; `-` for stdin)
 * into a table's buffer through the Manager. Every input is read and checked whole before the
 * first batch is appended, so a bad input — not Arrow, empty, torn, or of another schema than the
 * table's current stream — is rejected with nothing appended. With `out`, the Manager's flushes
 * write Parquet the way flush and recover do.
 */
import { join } from 'node:path'
import { InvalidOptionsError } from '../errors.js'
import { Manager, type StorageType } from '../buffer/manager.js'
import { tableDirectoryName } from '../format/table-directory.js'
import type { Compression } from '../output-options.js'
import type { ProgressListener } from '../progress.js'
import { LocalSink } from '../sink/local-sink.js'
import type { WrittenOutput } from '../sink/output-sink.js'
import type { Granularity } from '../sink/partitioning.js'
import { checkInput, readInput, type CheckedInput, type IngestedInput } from './input-reader.js'
import { sumCounts } from '../replay/drain-plan.js'
import { batchFlush, fileFlush, finishInterruptedCommit, type ParquetFlushOptions } from './parquet-flush.js'
import { checkSchemas, type SchemaRule } from './schema-check.js'

export type { IngestedInput }

export interface IngestOptions {
  readonly table: string
  /** Input paths; `-` reads `stdin`. */
  readonly inputs: readonly string[]
  /** Standard input, for `-`. */
  readonly stdin?: AsyncIterable<Uint8Array>
  /** @default 'disk' when root is given, else 'memory' */
  readonly storage?: StorageType
  /** Root of the spill directory (disk storage). */
  readonly root?: string
  /** Size cap that triggers a flush to `out`; 0 disables. @default 0 */
  readonly maxSizeBytes?: number
  /** Period of time-triggered flushes to `out`; 0 disables. @default 0 */
  readonly flushIntervalMs?: number
  /** Parquet output root for size-, time- and end-triggered flushes. Without it ingest only spills. */
  readonly out?: string
  /** Flush everything to `out` at the end. @default false */
  readonly flush?: boolean
  /** fsync the spilled data so it survives power loss. @default false */
  readonly fsync?: boolean
  readonly compression?: Compression
  readonly granularity?: Granularity
  readonly partitionBy?: string
  /**
   * `exporter`: an input for one of the exporter's seven tables must have the exporter's shape;
   * `any`: only agreement with the table's current stream is checked (for other producers).
   * @default 'exporter'
   */
  readonly schema?: SchemaRule
  readonly progress?: ProgressListener
}

export interface IngestReport {
  readonly table: string
  readonly storage: StorageType
  /** The table directory (disk storage). */
  readonly directory?: string
  readonly inputs: readonly IngestedInput[]
  readonly rows: number
  readonly flushedRows: number
  readonly outputs: readonly WrittenOutput[]
  /** Rows left in the buffer (spilled, not flushed) at the end. */
  readonly bufferedRows: number
  /** String values with invalid UTF-8 that the flushes wrote with U+FFFD, per column (the spilled data keeps its bytes). */
  readonly repairedUtf8: Readonly<Record<string, number>>
}

export async function ingest(options: IngestOptions): Promise<IngestReport> {
  const storage = options.storage ?? (options.root ? 'disk' : 'memory')
  validate(options, storage)
  // Appending raw bytes skips decoding; batches are needed in memory only to flush them to Parquet.
  const inPlace = storage === 'disk' && !options.out
  const checked: CheckedInput[] = []
  for (const [index, path] of options.inputs.entries()) {
    checked.push(inPlace && path !== '-' ? await checkInput(path) : await readInput(path, options.stdin))
    options.progress?.({ phase: 'files', table: options.table, done: index + 1, total: options.inputs.length })
  }
  const directory = storage === 'disk' ? join(options.root!, tableDirectoryName(options.table)) : undefined
  await checkSchemas(options.table, checked, directory, options.schema ?? 'exporter')

  const outputs: WrittenOutput[] = []
  const repaired: Record<string, number>[] = []
  const manager = new Manager({
    storage: { type: storage, path: options.root, fsync: options.fsync, onLocked: finishInterruptedCommit },
    maxSizeBytes: options.out ? (options.maxSizeBytes ?? 0) : 0,
    flushIntervalMs: options.out ? (options.flushIntervalMs ?? 0) : 0,
    ...flushTarget(options, storage, { onWritten: (output) => outputs.push(output), onRepaired: (counts) => repaired.push({ ...counts }) }),
  })
  let bufferedRows: number
  try {
    manager.start()
    for (const input of checked) {
      if (input.inPlace) {
        if (input.rows > 0) await (await manager.buffer(options.table)).addStreamFile(input.path, { rows: input.rows, endOfStream: input.inPlace.endOfStream })
      } else {
        for (const batch of input.recordBatches) await manager.add(options.table, batch)
      }
    }
    if (options.flush || storage === 'memory') await manager.stop()
    bufferedRows = (await manager.buffer(options.table)).rows()
  } finally {
    await manager.close()
  }
  return {
    table: options.table,
    storage,
    directory,
    inputs: checked.map(({ path, format, bytes, batches, rows }) => ({ path, format, bytes, batches, rows })),
    rows: checked.reduce((sum, input) => sum + input.rows, 0),
    flushedRows: outputs.reduce((sum, output) => sum + output.rows, 0),
    outputs,
    bufferedRows,
    repairedUtf8: sumCounts(repaired),
  }
}

/** The Manager's flush: Parquet under `out`, or (without it, nothing is ever flushed) a refusal. */
function flushTarget(options: IngestOptions, storage: StorageType, listeners: Pick<ParquetFlushOptions, 'onWritten' | 'onRepaired'>) {
  if (!options.out) return { flush: () => Promise.reject(new InvalidOptionsError('--out', 'nothing to flush to')) }
  const target = { sink: new LocalSink(options.out), compression: options.compression, granularity: options.granularity, partitionBy: options.partitionBy, ...listeners }
  return storage === 'disk' ? { flushFiles: fileFlush(target) } : { flush: batchFlush(target) }
}

function validate(options: IngestOptions, storage: StorageType): void {
  if (!options.table) throw new InvalidOptionsError('table', 'name the table to ingest into')
  if (options.inputs.length === 0) throw new InvalidOptionsError('file', 'name at least one Arrow IPC file, or - for standard input')
  if (storage === 'disk' && !options.root) throw new InvalidOptionsError('--path', 'disk storage needs the spill root (--path or BUFCTL_PATH)')
  if (storage === 'memory' && !options.out)
    throw new InvalidOptionsError('--out', 'memory storage keeps nothing after the command: give --out for the Parquet output, or --path to spill to disk')
  if (!options.out && (options.flush || options.maxSizeBytes || options.flushIntervalMs)) {
    throw new InvalidOptionsError('--out', '--flush, --max-size and --flush-interval write Parquet: name the output directory with --out')
  }
}
