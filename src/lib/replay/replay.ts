/**
 * flush and recover: drain the table directories of a spill root into Parquet, exactly once.
 * `flush` refuses a table whose files are damaged and leaves it untouched; `recover` salvages the
 * complete batches of damaged files, moves files it cannot read at all into `quarantine/`, and
 * keeps damaged originals there too — it never deletes input. One table's failure never stops the
 * others; a signal stops the run at the next safe point.
 */
import { lstatSync } from 'node:fs'
import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { ACTIVE_FILE, HELD_PREFIX, pendingSequence } from '../format/table-directory.js'
import { RunProgress } from './progress.js'
import { InterruptedError, LockHeldError } from '../errors.js'
import { InvalidOptionsError } from '../usage-errors.js'
import { lockState, withDirectoryLock } from '../buffer/directory-lock.js'
import { openSpillRoot, selectTables } from '../format/spill-root.js'
import { OutputSinks } from '../sink/open-sink.js'
import type { S3Settings } from '../options/s3-settings.js'
import { DEFAULT_ICEBERG_NAMESPACE, type IcebergSettings } from '../options/iceberg-settings.js'
import { RunCatalogs } from '../iceberg/catalogs.js'
import { EncoderThreads } from '../parquet/encoder-threads.js'
import type { OutputSink } from '../sink/output-sink.js'
import { planTable } from './dry-run.js'
import { drainTable, type TableDrainOptions } from './replay-table.js'
import { describeError, emptyTableReport, type ReplayMode, type ReplayReport, type TableReplayReport } from './replay-report.js'

export interface ReplayOptions extends Omit<TableDrainOptions, 'sink' | 'sinks' | 'catalogs' | 'encoderThreads'> {
  readonly mode: ReplayMode
  /** Root of the spill directory. */
  readonly root: string
  /** Root of the Parquet output tree, a directory or `s3://bucket/prefix`; required unless dryRun. */
  readonly out?: string
  /** How to reach S3, for an s3:// output root (and the S3 roots earlier commits name, and tables' locations on S3). */
  readonly s3?: S3Settings
  /** Commit each table's drain to the table of its name in this Iceberg catalog (instead of writing under `out`). */
  readonly iceberg?: IcebergSettings
  /** Tables to work on (names or directory names); all table directories by default. */
  readonly tables?: readonly string[]
  /** Report only: take no lock, write nothing, delete nothing. @default false */
  readonly dryRun?: boolean
}

export async function replay(options: ReplayOptions): Promise<ReplayReport> {
  const dryRun = options.dryRun ?? false
  validate(options, dryRun)
  const sinks = new OutputSinks({ s3: options.s3 })
  const catalogs = new RunCatalogs(options.iceberg)
  // Every part of every table encodes on the same threads: each starts and warms up once a run.
  const encoderThreads = new EncoderThreads()
  try {
    return await replayTables(options, dryRun, { sinks, catalogs, encoderThreads })
  } finally {
    await encoderThreads.close()
    await sinks.close()
  }
}

function validate(options: ReplayOptions, dryRun: boolean): void {
  if (options.iceberg) {
    if (options.out !== undefined) {
      throw new InvalidOptionsError('--out', "--out and --iceberg-catalog name two destinations: an Iceberg table's data files go under its own location; give one of them")
    }
    if (options.keep) throw new InvalidOptionsError('--keep', 'rows committed to an Iceberg table are there for every reader: keeping their files would replay them twice')
  } else if (!dryRun && !options.out) {
    throw new InvalidOptionsError('--out', `${options.mode} writes Parquet: name the output directory with --out, or an Iceberg catalog with --iceberg-catalog (or use --dry-run)`)
  }
}

/** What one run opens once and every table uses. */
interface RunResources {
  readonly sinks: OutputSinks
  readonly catalogs: RunCatalogs
  readonly encoderThreads: EncoderThreads
}

async function replayTables(options: ReplayOptions, dryRun: boolean, { sinks, catalogs, encoderThreads }: RunResources): Promise<ReplayReport> {
  const sink = options.out === undefined ? undefined : sinks.open(options.out)
  // A spill root the exporter has not made yet holds nothing to drain: done, not a failure (ExecStartPre= on a fresh host).
  if (!(await exists(options.root))) return { ...emptyReport(options, dryRun, sink?.root), rootMissing: true }
  const spill = await openSpillRoot(options.root)
  const tables = selectTables(spill, options.tables)
  // Before any table is touched: an output root that cannot take files, or a catalog that does not answer, fails the run, not each table.
  await sink?.checkWritable({ writeNothing: dryRun })
  if (options.iceberg && tables.length > 0) await catalogs.open()
  const reports: TableReplayReport[] = []
  // The whole run's size up front, from the files' sizes: one display for every table (none asked for, no lstat made).
  const sizes = options.progress ? await Promise.all(tables.map((table) => streamFileBytes(join(options.root, table)))) : tables.map(() => 0)
  const run = new RunProgress(
    options.progress,
    sizes.reduce((sum, bytes) => sum + bytes, 0),
  )
  for (const [index, table] of tables.entries()) {
    if (options.signal?.aborted) {
      reports.push({ ...emptyTableReport(table, join(options.root, table)), status: 'not-started' })
      continue
    }
    const progress = run.table(table, sizes[index]!)
    reports.push(await replayTable(table, { ...options, dryRun, sink, sinks, catalogs: options.iceberg ? catalogs : undefined, encoderThreads, progress: progress.listener }))
    progress.finish()
  }
  return {
    ...emptyReport(options, dryRun, sink?.root),
    rows: reports.reduce((sum, report) => sum + report.rows, 0),
    outputs: reports.reduce((sum, report) => sum + report.outputs.length, 0),
    tables: reports,
    failed: reports.filter((report) => report.status === 'failed').map((report) => report.table),
    inUse: reports.filter((report) => report.status === 'in-use').map((report) => report.table),
    ignored: spill.ignored,
    interrupted: options.signal?.aborted ? describeSignal(options.signal) : undefined,
  }
}

async function replayTable(
  table: string,
  options: ReplayOptions & { dryRun: boolean; sink?: OutputSink; sinks: OutputSinks; catalogs?: RunCatalogs; encoderThreads: EncoderThreads },
): Promise<TableReplayReport> {
  const directory = join(options.root, table)
  const report = emptyTableReport(table, directory)
  try {
    if (options.dryRun) await planTable(report, options)
    else await withDirectoryLock(directory, (lock) => drainTable(report, lock, options))
  } catch (error) {
    if (error instanceof LockHeldError) {
      report.status = 'in-use'
      report.holderPid = error.holderPid ?? (await lockState(directory)).holderPid
    } else {
      report.status = error instanceof InterruptedError ? 'interrupted' : 'failed'
    }
    // What earlier parts committed stays in the report: it is done, and the next run does not redo it.
    report.error = describeError(error, directory)
  }
  return report
}

/**
 * Bytes of a table directory's stream files (its pending files, active.ipc, and the files an
 * interrupted commit holds, which this run drains again); 0 when unreadable.
 */
async function streamFileBytes(directory: string): Promise<number> {
  const names = await readdir(directory).catch(() => [])
  const streamFile = (name: string) => name === ACTIVE_FILE || pendingSequence(name.startsWith(HELD_PREFIX) ? name.slice(HELD_PREFIX.length) : name) !== undefined
  // Synchronous: thousands of lstats take microseconds each, a thread-pool round trip each takes more.
  const size = (name: string) => {
    try {
      return lstatSync(join(directory, name)).size
    } catch {
      return 0
    }
  }
  return names.filter(streamFile).reduce((sum, name) => sum + size(name), 0)
}

function emptyReport(options: ReplayOptions, dryRun: boolean, out: string | undefined): ReplayReport {
  const iceberg = options.iceberg && { catalog: options.iceberg.catalog, namespace: options.iceberg.namespace ?? DEFAULT_ICEBERG_NAMESPACE }
  return { mode: options.mode, root: options.root, out, iceberg, dryRun, keep: options.keep ?? false, rows: 0, outputs: 0, tables: [], failed: [], inUse: [], ignored: [] }
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined
}

function describeSignal(signal: AbortSignal): string {
  const reason: unknown = signal.reason
  return reason instanceof InterruptedError ? reason.signal : 'aborted'
}
