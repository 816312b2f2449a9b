/**
 * flush and recover: drain the table directories of a spill root into Parquet, exactly once.
 * `flush` refuses a table whose files are damaged and leaves it untouched; `recover` salvages the
 * complete batches of damaged files, moves files it cannot read at all into `quarantine/`, and
 * keeps damaged originals there too — it never deletes input. One table's failure never stops
 * the others.
 */
import { join } from 'node:path'
import { InputNotFoundError, InvalidOptionsError, LockHeldError } from '../errors.js'
import { lockState, withDirectoryLock } from '../buffer/directory-lock.js'
import { tableDirectoryName } from '../format/table-directory.js'
import { listTables } from '../format/table-scan.js'
import { LocalSink } from '../sink/local-sink.js'
import { planTable } from './dry-run.js'
import { drainTable, type TableDrainOptions } from './replay-table.js'
import { describeError, emptyTableReport, type ReplayMode, type ReplayReport, type TableReplayReport } from './replay-report.js'

export interface ReplayOptions extends Omit<TableDrainOptions, 'sink'> {
  readonly mode: ReplayMode
  /** Root of the spill directory. */
  readonly root: string
  /** Root of the Parquet output tree; required unless dryRun. */
  readonly out?: string
  /** Tables to work on (names or directory names); all table directories by default. */
  readonly tables?: readonly string[]
  /** Report only: take no lock, write nothing, delete nothing. @default false */
  readonly dryRun?: boolean
}

export async function replay(options: ReplayOptions): Promise<ReplayReport> {
  const dryRun = options.dryRun ?? false
  if (!dryRun && !options.out) throw new InvalidOptionsError('--out', `${options.mode} writes Parquet: name the output directory with --out (or use --dry-run)`)
  const available = await listTables(options.root)
  const tables = options.tables?.length ? options.tables.map(tableDirectoryName) : available
  const sink = options.out === undefined ? undefined : new LocalSink(options.out)
  const reports: TableReplayReport[] = []
  for (const [index, table] of tables.entries()) {
    options.progress?.({ phase: 'table', table, done: index, total: tables.length })
    reports.push(await replayTable(table, available.includes(table), { ...options, sink }))
  }
  options.progress?.({ phase: 'table', table: '', done: tables.length, total: tables.length })
  return {
    mode: options.mode,
    root: options.root,
    out: options.out,
    dryRun,
    keep: options.keep ?? false,
    rows: reports.reduce((sum, report) => sum + report.rows, 0),
    outputs: reports.reduce((sum, report) => sum + report.outputs.length, 0),
    tables: reports,
    failed: reports.filter((report) => report.status === 'failed').map((report) => report.table),
    inUse: reports.filter((report) => report.status === 'in-use').map((report) => report.table),
  }
}

async function replayTable(table: string, exists: boolean, options: ReplayOptions & { sink?: LocalSink }): Promise<TableReplayReport> {
  const directory = join(options.root, table)
  const report = emptyTableReport(table, directory)
  try {
    if (!exists) throw new InputNotFoundError(directory, `no table directory ${table} in ${options.root}`)
    if (options.dryRun || !options.sink) await planTable(report, options.root, options.mode)
    else {
      const sink = options.sink
      await withDirectoryLock(directory, (lock) => drainTable(report, lock, { ...options, sink }))
    }
  } catch (error) {
    if (error instanceof LockHeldError) {
      report.status = 'in-use'
      report.holderPid = error.holderPid ?? (await lockState(directory)).holderPid
    } else {
      report.status = 'failed'
    }
    report.error = describeError(error, directory)
    report.rows = 0
  }
  return report
}
