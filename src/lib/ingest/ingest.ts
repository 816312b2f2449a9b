/**
 * ingest: feed Arrow IPC inputs (stream or file format, detected from the bytes; `-` for stdin)
 * into a table's buffer through the Manager. Every input is checked whole first, in bounded memory,
 * so a bad input — not Arrow, empty, torn, or of another shape than the table takes — is refused
 * with nothing appended. Each input is then appended whole or not at all, as one pending file (disk
 * storage, without decoding it) or batch by batch (memory storage); the report says which were.
 * With `out`, the Manager's flushes write Parquet the way flush and recover do.
 */
import { lstat, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { InterruptedError } from '../errors.js'
import { InvalidOptionsError } from '../usage-errors.js'
import { Manager, type StorageType } from '../buffer/manager.js'
import { tableDirectoryName } from '../format/table-directory.js'
import type { Compression } from '../options/output-options.js'
import type { ProgressListener } from '../replay/progress.js'
import { crashPoint } from '../replay/crash-points.js'
import { sumCounts } from '../replay/drain-plan.js'
import { describeError, type ErrorNote, type SalvageNote } from '../replay/replay-report.js'
import { OutputSinks } from '../sink/open-sink.js'
import type { S3Settings } from '../options/s3-settings.js'
import type { IcebergSettings } from '../options/iceberg-settings.js'
import { RunCatalogs } from '../iceberg/catalogs.js'
import type { WrittenOutput } from '../sink/output-sink.js'
import type { Granularity } from '../sink/partitioning.js'
import { IngestLedger } from '../buffer/ingest-ledger.js'
import { checkInput, type CheckedInput, type IngestedInput } from './input-reader.js'
import { InputSpool } from './input-spool.js'
import { readBatches } from './input-batches.js'
import { batchFlush, fileFlush, finishEarlierCommits, type ParquetFlushOptions } from './parquet-flush.js'
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
  /** Parquet output root (a directory or `s3://bucket/prefix`) for size-, time- and end-triggered flushes. Without it ingest only spills. */
  readonly out?: string
  /** How to reach S3, for an s3:// output root (or an Iceberg table's location on S3). */
  readonly s3?: S3Settings
  /** Flushes commit to the table of this name in this Iceberg catalog (instead of `out`). */
  readonly iceberg?: IcebergSettings
  /** Flush everything to `sink` at the end. @default false */
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
  /** Append an input file even if this table's ledger says it was appended before. @default false */
  readonly allowDuplicate?: boolean
  /** Columns an input's schema may have before it is refused as unsupported. @default 10,000 */
  readonly maxColumns?: number
  /** Stops the run between inputs (and a flush at its next safe point). */
  readonly signal?: AbortSignal
  readonly progress?: ProgressListener
}

export interface IngestInputReport extends IngestedInput {
  /** appended: in the buffer now; skipped: appended by an earlier ingest (see note); not-appended: the run stopped first. */
  readonly status: 'appended' | 'skipped' | 'not-appended'
  readonly note?: string
}

export interface IngestReport {
  readonly table: string
  readonly storage: StorageType
  /** The table directory (disk storage). */
  readonly directory?: string
  readonly inputs: readonly IngestInputReport[]
  /** Rows appended by this run. */
  readonly rows: number
  readonly flushedRows: number
  readonly outputs: readonly WrittenOutput[]
  /** Rows left in the buffer (spilled, not flushed) at the end. */
  readonly bufferedRows: number
  /** String values with invalid UTF-8 that the flushes wrote with U+FFFD, per column (the spilled data keeps its bytes). */
  readonly repairedUtf8: Readonly<Record<string, number>>
  /** Files the flushes read only up to damage: their complete batches were written, the originals quarantined. */
  readonly salvaged: readonly SalvageNote[]
  /** Why appending (or the final flush) stopped before the end; the inputs say what was done. */
  readonly error?: ErrorNote
}

export async function ingest(options: IngestOptions): Promise<IngestReport> {
  const storage = options.storage ?? (options.root ? 'disk' : 'memory')
  validate(options, storage)
  const directory = storage === 'disk' ? join(options.root!, tableDirectoryName(options.table)) : undefined
  if (directory && (await isSymbolicLink(directory))) throw new InvalidOptionsError('table', `${directory} is a symbolic link; bufctl does not follow links in a spill root`)
  const spool = new InputSpool()
  const sinks = new OutputSinks({ s3: options.s3 })
  const catalogs = new RunCatalogs(options.iceberg)
  try {
    // Before anything is read or appended: an output root that cannot take files fails the run.
    if (options.out) await sinks.open(options.out).checkWritable()
    const checked: CheckedInput[] = []
    // Progress in input bytes; standard input counts once it is read.
    const sizes = await Promise.all(options.inputs.map(async (path) => (path === '-' ? 0 : ((await stat(path).catch(() => undefined))?.size ?? 0))))
    let total = sizes.reduce((sum, size) => sum + size, 0)
    let done = 0
    for (const path of options.inputs) {
      const input = await checkInput(path, options.stdin, spool, options.maxColumns)
      checked.push(input)
      if (path === '-') total += input.bytes
      done += input.bytes
      options.progress?.({ phase: 'bytes', table: options.table, done: Math.min(done, total), total })
    }
    await checkSchemas(options.table, checked, directory, options.schema ?? 'exporter')
    return await append(options, storage, directory, checked, sinks, catalogs)
  } finally {
    await spool.close()
    await sinks.close()
  }
}

async function append(
  options: IngestOptions,
  storage: StorageType,
  directory: string | undefined,
  checked: readonly CheckedInput[],
  sinks: OutputSinks,
  catalogs: RunCatalogs,
): Promise<IngestReport> {
  const outputs: WrittenOutput[] = []
  const repaired: Record<string, number>[] = []
  const salvaged: SalvageNote[] = []
  const listeners = {
    onWritten: (output: WrittenOutput) => outputs.push(output),
    onRepaired: (counts: Readonly<Record<string, number>>) => repaired.push({ ...counts }),
    onSalvaged: (notes: readonly SalvageNote[]) => salvaged.push(...notes),
  }
  const manager = new Manager({
    storage: { type: storage, path: options.root, fsync: options.fsync, onLocked: finishEarlierCommits(sinks, catalogs) },
    maxSizeBytes: flushes(options) ? (options.maxSizeBytes ?? 0) : 0,
    flushIntervalMs: flushes(options) ? (options.flushIntervalMs ?? 0) : 0,
    ...flushTarget(options, storage, { sinks, catalogs }, listeners),
  })
  const inputs: IngestInputReport[] = checked.map(({ path, format, bytes, batches, rows }) => ({ path, format, bytes, batches, rows, status: 'not-appended' }))
  let error: ErrorNote | undefined
  let bufferedRows = 0
  try {
    manager.start()
    const buffer = await manager.buffer(options.table)
    const ledger = directory ? await IngestLedger.open(directory) : undefined
    for (const [index, input] of checked.entries()) {
      if (options.signal?.aborted) throw new InterruptedError(String(options.signal.reason))
      const earlier = options.allowDuplicate ? undefined : ledger?.find(input.identity)
      if (earlier) {
        inputs[index] = { ...inputs[index]!, status: 'skipped', note: `appended to this table before, on ${earlier.at} (the same file); --allow-duplicate appends it again` }
        continue
      }
      const entry = input.identity ? { identity: input.identity, path: input.path, rows: input.rows, at: new Date().toISOString() } : undefined
      if (input.rows > 0) {
        // The ledger names the copy before it becomes a pending file: a kill in between is settled by the next open.
        const recordIntent =
          entry && ledger
            ? async (appending: string) => {
                await ledger.record({ ...entry, appending })
                crashPoint('ingest-intent-recorded', index + 1)
              }
            : undefined
        if (storage === 'disk') await manager.addStreamFile(options.table, input.stream, recordIntent)
        else for await (const batch of readBatches(input.stream)) await manager.add(options.table, batch)
        crashPoint('ingest-renamed', index + 1)
      }
      if (entry) await ledger?.record(entry)
      inputs[index] = { ...inputs[index]!, status: 'appended' }
    }
    if (options.flush || storage === 'memory') await manager.stop()
    bufferedRows = buffer.rows()
  } catch (caught) {
    error = describeError(caught, directory ?? options.table)
  } finally {
    await manager.close()
  }
  return {
    table: options.table,
    storage,
    directory,
    inputs,
    rows: inputs.reduce((sum, input) => sum + (input.status === 'appended' ? input.rows : 0), 0),
    flushedRows: outputs.reduce((sum, output) => sum + output.rows, 0),
    outputs,
    bufferedRows,
    repairedUtf8: sumCounts(repaired),
    salvaged,
    error,
  }
}

/** Whether the run's flushes write anywhere: an output root or an Iceberg table. */
function flushes(options: IngestOptions): boolean {
  return options.out !== undefined || options.iceberg !== undefined
}

/** The Manager's flush: Parquet into the sink or the Iceberg table, or (without either, nothing is ever flushed) a refusal. */
function flushTarget(
  options: IngestOptions,
  storage: StorageType,
  run: { readonly sinks: OutputSinks; readonly catalogs: RunCatalogs },
  listeners: Pick<ParquetFlushOptions, 'onWritten' | 'onRepaired' | 'onSalvaged'>,
) {
  if (!flushes(options)) return { flush: () => Promise.reject(new InvalidOptionsError('--out', 'nothing to flush to')) }
  const target = {
    sink: options.out === undefined ? undefined : run.sinks.open(options.out),
    sinks: run.sinks,
    catalogs: options.iceberg ? run.catalogs : undefined,
    compression: options.compression,
    granularity: options.granularity,
    partitionBy: options.partitionBy,
    signal: options.signal,
    ...listeners,
  }
  return storage === 'disk' ? { flushFiles: fileFlush(target) } : { flush: batchFlush(target) }
}

async function isSymbolicLink(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined))?.isSymbolicLink() ?? false
}

function validate(options: IngestOptions, storage: StorageType): void {
  if (!options.table) throw new InvalidOptionsError('table', 'name the table to ingest into')
  if (options.inputs.length === 0) throw new InvalidOptionsError('file', 'name at least one Arrow IPC file, or - for standard input')
  if (storage === 'disk' && !options.root) throw new InvalidOptionsError('--path', 'disk storage needs the spill root (--path or BUFCTL_PATH)')
  if (options.out !== undefined && options.iceberg !== undefined) {
    throw new InvalidOptionsError('--out', "--out and --iceberg-catalog name two destinations: an Iceberg table's data files go under its own location; give one of them")
  }
  if (storage === 'memory' && options.iceberg) {
    throw new InvalidOptionsError('--iceberg-catalog', 'a commit to an Iceberg table is exactly-once through the spill directory: give --path (disk storage)')
  }
  if (storage === 'memory' && !options.out) {
    throw new InvalidOptionsError('--out', 'memory storage keeps nothing after the command: give --out for the Parquet output, or --path to spill to disk')
  }
  if (!flushes(options) && (options.flush || options.maxSizeBytes || options.flushIntervalMs)) {
    throw new InvalidOptionsError(
      '--out',
      '--flush, --max-size and --flush-interval write Parquet: name the output directory with --out (or an Iceberg catalog with --iceberg-catalog)',
    )
  }
}
