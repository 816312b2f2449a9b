/**
 * flush and recover: drain the table directories of a spill root into Parquet, exactly once.
 * `flush` refuses a table whose files are damaged and leaves it untouched; `recover` salvages the
 * complete batches of damaged files, moves files it cannot read at all into `quarantine/`, and
 * keeps damaged originals there too — it never deletes input. One table's failure never stops the
 * others; a signal stops the run at the next safe point.
 */
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
import type { OutputSink } from '../sink/output-sink.js'
import { planTable } from './dry-run.js'
import { drainTable, type TableDrainOptions } from './replay-table.js'
import { describeError, emptyTableReport, type ReplayMode, type ReplayReport, type TableReplayReport } from './replay-report.js'

export interface ReplayOptions extends Omit<TableDrainOptions, 'sink' | 'sinks'> {
  readonly mode: ReplayMode
  /** Root of the spill directory. */
  readonly root: string
  /** Root of the Parquet output tree, a directory or `s3://bucket/prefix`; required unless dryRun. */
  readonly out?: string
  /** How to reach S3, for an s3:// output root (and the S3 roots earlier commits name). */
  readonly s3?: S3Settings
  /** Tables to work on (names or directory names); all table directories by default. */
  readonly tables?: readonly string[]
  /** Report only: take no lock, write nothing, delete nothing. @default false */
  readonly dryRun?: boolean
}

export async function replay(options: ReplayOptions): Promise<ReplayReport> {
  const dryRun = options.dryRun ?? false
  if (!dryRun && !options.out) throw new InvalidOptionsError('--out', `${options.mode} writes Parquet: name the output directory with --out (or use --dry-run)`)
  const sinks = new OutputSinks({ s3: options.s3 })
  try {
    return await replayTables(options, dryRun, sinks)
  } finally {
    await sinks.close()
  }
}

async function replayTables(options: ReplayOptions, dryRun: boolean, sinks: OutputSinks): Promise<ReplayReport> {
  const sink = options.out === undefined ? undefined : sinks.open(options.out)
  // A spill root the exporter has not made yet holds nothing to drain: done, not a failure (ExecStartPre= on a fresh host).
  if (!(await exists(options.root))) return { ...emptyReport(options, dryRun, sink?.root), rootMissing: true }
  const spill = await openSpillRoot(options.root)
  const tables = selectTables(spill, options.tables)
  // Before any table is touched: an output root that cannot take files fails the run, not each table.
  await sink?.checkWritable({ writeNothing: dryRun })
  const reports: TableReplayReport[] = []
  // The whole run's size up front, from the files' sizes: one display for every table.
  const sizes = await Promise.all(tables.map((table) => streamFileBytes(join(options.root, table))))
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
    reports.push(await replayTable(table, { ...options, dryRun, sink, sinks, progress: progress.listener }))
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

async function replayTable(table: string, options: ReplayOptions & { dryRun: boolean; sink?: OutputSink; sinks: OutputSinks }): Promise<TableReplayReport> {
  const directory = join(options.root, table)
  const report = emptyTableReport(table, directory)
  try {
    if (options.dryRun || !options.sink) await planTable(report, { ...options, sink: options.sink })
    else {
      const sink = options.sink
      await withDirectoryLock(directory, (lock) => drainTable(report, lock, { ...options, sink }))
    }
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
  const sizes = await Promise.all(names.filter(streamFile).map(async (name) => (await lstat(join(directory, name)).catch(() => undefined))?.size ?? 0))
  return sizes.reduce((sum, size) => sum + size, 0)
}

function emptyReport(options: ReplayOptions, dryRun: boolean, out: string | undefined): ReplayReport {
  return { mode: options.mode, root: options.root, out, dryRun, keep: options.keep ?? false, rows: 0, outputs: 0, tables: [], failed: [], inUse: [], ignored: [] }
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined
}

function describeSignal(signal: AbortSignal): string {
  const reason: unknown = signal.reason
  return reason instanceof InterruptedError ? reason.signal : 'aborted'
}
