/** What flush and recover share: flags, the one library call, and rendering of the report. */
import { Flags } from '@oclif/core'
import { BufctlCommand } from './base-command.js'
import { exitCodeForSignal, exitCodeForTables } from './exit-codes.js'
import {
  icebergFlags,
  icebergSettings,
  maxColumnsFlag,
  outFlag,
  parquetFlags,
  parquetOptions,
  quietFlag,
  requireRoot,
  rootFlag,
  s3Flags,
  s3Settings,
  tableFlag,
  type IcebergFlags,
  type S3Flags,
} from './flags.js'
import { runLongWork } from './long-work.js'
import { formatBytes, formatCount, palette, printable } from './style.js'
import { parseSize } from '../lib/units.js'
import type { ReplayMode, ReplayReport, TableReplayReport } from '../lib/replay/index.js'

export const replayFlags = {
  path: rootFlag,
  out: outFlag,
  table: tableFlag,
  ...parquetFlags,
  'target-file-size': Flags.string({
    summary: 'Arrow data per output file before another part starts (the Parquet file is several times smaller); parts are encoded in parallel.',
    default: '256MiB',
    helpGroup: 'OUTPUT',
  }),
  jobs: Flags.integer({ char: 'j', summary: "Threads encoding Parquet (default: one per core); each holds up to one output file's row group in memory.", min: 1 }),
  'max-columns': maxColumnsFlag,
  'dry-run': Flags.boolean({ char: 'n', summary: 'Report what would be done, and the files that would be written; take no lock, write and delete nothing.', default: false }),
  quiet: quietFlag,
  verbose: Flags.boolean({ char: 'v', summary: 'List every Parquet file written (a big run otherwise counts them per partition).', default: false }),
  ...s3Flags,
  ...icebergFlags,
}

export interface ReplayFlags extends S3Flags, IcebergFlags {
  path?: string
  out?: string
  table?: string[]
  compression: string
  granularity: string
  'partition-by'?: string
  'target-file-size': string
  jobs?: number
  'max-columns': number
  'dry-run': boolean
  keep?: boolean
  quiet: boolean
  verbose: boolean
}

export abstract class ReplayCommand extends BufctlCommand {
  protected async runReplay(mode: ReplayMode, flags: ReplayFlags): Promise<ReplayReport> {
    const root = requireRoot(flags.path)
    const targetFileBytes = parseSize(flags['target-file-size'], '--target-file-size')
    const { replay } = await import('../lib/replay/index.js')
    const { result: report, stoppedBy } = await runLongWork(!this.jsonEnabled() && !flags.quiet, mode, ({ progress, signal }) =>
      replay({
        mode,
        root,
        out: flags.out,
        s3: s3Settings(flags),
        iceberg: icebergSettings(flags),
        tables: flags.table,
        dryRun: flags['dry-run'],
        keep: flags.keep,
        ...parquetOptions(flags),
        targetFileBytes,
        concurrency: flags.jobs,
        maxColumns: flags['max-columns'],
        progress,
        signal,
      }),
    )
    this.setExitCode(stoppedBy ? exitCodeForSignal(stoppedBy) : exitCodeForTables(report.tables))
    if (!this.jsonEnabled()) this.render(report, flags.quiet, flags.verbose)
    return report
  }

  private render(report: ReplayReport, quiet: boolean, verbose: boolean): void {
    const color = palette()
    if (report.rootMissing) {
      if (!quiet) this.log(`Nothing to do: the spill root ${printable(report.root)} does not exist (yet).`)
      return
    }
    for (const entry of report.ignored) this.logToStderr(`${color.yellow('ignored')} ${printable(entry.name)} in ${report.root}: ${entry.reason}`)
    for (const table of report.tables) {
      // What a stopped or failed table committed before it stopped is done: say so, then why it stopped.
      if (!quiet && table.status !== 'not-started' && table.status !== 'in-use' && (table.rows > 0 || (table.status !== 'failed' && table.status !== 'interrupted'))) {
        for (const line of tableLines(table, report.dryRun, verbose)) this.log(line)
      }
      if (table.status === 'in-use' || table.status === 'failed' || table.status === 'interrupted') {
        const label = table.status === 'in-use' ? color.yellow('in use') : table.status === 'failed' ? color.red('failed') : color.yellow('interrupted')
        this.logToStderr(`${label} ${printable(table.table)}: ${table.error?.message ?? ''}\n  ${color.dim(`Hint: ${table.error?.hint ?? ''}`)}`)
        if (table.error?.debug) process.stderr.write(`${table.error.debug}\n`)
      }
    }
    if (report.interrupted) {
      const done = report.tables.filter((table) => table.status === 'done' || table.status === 'empty').map((table) => printable(table.table))
      const partly = report.tables.filter((table) => table.status === 'interrupted' && (table.parts?.committed ?? 0) > 0).map(partlyDone)
      const notDone = report.tables
        .filter((table) => (table.status === 'interrupted' && !(table.parts?.committed ?? 0)) || table.status === 'not-started')
        .map((table) => printable(table.table))
      this.logToStderr(
        `${color.yellow(`Stopped by ${report.interrupted}.`)} Done: ${[...done, ...partly].join(', ') || 'none'}. Not started (left as they were): ${notDone.join(', ') || 'none'}. Run the same command again to finish: what is committed is not written again.`,
      )
    }
    if (!quiet) {
      const summary = `${report.dryRun ? 'Dry run: ' : ''}${formatCount(report.rows)} rows, ${report.outputs} Parquet file(s), ${report.tables.length} table(s)`
      const problems = [report.failed.length ? `${report.failed.length} failed` : '', report.inUse.length ? `${report.inUse.length} in use` : ''].filter(Boolean).join(', ')
      this.log(problems ? `${summary}; ${color.red(problems)}` : color.green(summary))
    }
  }
}

/** A table a signal stopped after some of its parts: what of it is committed. */
function partlyDone(table: TableReplayReport): string {
  return `${printable(table.table)} in part (${table.parts!.committed} of ${table.parts!.total} parts, ${formatCount(table.rows)} rows committed)`
}

/** Outputs listed one by one up to this many per table; beyond it, counted per partition (all with --verbose or --json). */
const LISTED_OUTPUTS = 12
/** Partitions counted one per line up to this many. */
const LISTED_PARTITIONS = 8

/** What a table's run did (or would do), line by line. */
function tableLines(table: TableReplayReport, dryRun: boolean, verbose: boolean): string[] {
  const color = palette()
  const verb = dryRun ? 'would write' : 'wrote'
  const name = printable(table.table)
  const head = table.status === 'empty' ? color.dim(`${name}: nothing to write`) : `${color.bold(name)}: ${verb} ${formatCount(table.rows)} rows from ${table.files.length} file(s)`
  const lines = [head + (table.outputs.length ? ` into ${table.outputs.length} Parquet file(s)${dryRun ? '' : `, ${formatBytes(table.parquetBytes)}`}` : '')]
  for (const commit of table.earlierCommits) lines.push(`  ${color.yellow('earlier commit')} ${describeEarlierCommit(commit, dryRun)}`)
  if (table.iceberg) lines.push(`  ${color.cyan('iceberg')} ${icebergLine(table.iceberg, dryRun)}`)
  if (verbose || table.outputs.length <= LISTED_OUTPUTS) {
    for (const output of table.outputs) lines.push(`  ${color.green(dryRun ? '~' : '+')} ${output.path} ${color.dim(`${formatCount(output.rows)} rows`)}`)
  } else lines.push(...partitionLines(table, dryRun))
  for (const note of table.salvaged) {
    lines.push(`  ${color.yellow('salvaged')} ${note.file}: ${dryRun ? 'would keep' : 'kept'} ${formatCount(note.rows)} rows, dropped ${note.droppedBytes} bytes (${note.reason})`)
  }
  for (const note of table.quarantined)
    lines.push(`  ${color.yellow(dryRun ? 'would quarantine' : 'quarantined')} ${note.file}${note.movedTo ? ` → ${note.movedTo}` : ''}: ${note.reason}`)
  for (const entry of table.skipped) lines.push(`  ${color.yellow('skipped')} ${entry.name}: ${entry.reason}`)
  for (const [column, count] of Object.entries(table.repairedUtf8)) {
    lines.push(`  ${color.yellow('invalid UTF-8')} ${column}: ${formatCount(count)} value(s) kept, written with U+FFFD in place of each invalid sequence`)
  }
  return lines
}

/** A big table's outputs, counted per partition (the directory each output lies in). */
function partitionLines(table: TableReplayReport, dryRun: boolean): string[] {
  const color = palette()
  const partitions = new Map<string, { files: number; rows: number }>()
  for (const output of table.outputs) {
    const directory = output.path.slice(0, output.path.lastIndexOf('/'))
    const entry = partitions.get(directory) ?? { files: 0, rows: 0 }
    partitions.set(directory, { files: entry.files + 1, rows: entry.rows + output.rows })
  }
  const sorted = [...partitions].sort(([a], [b]) => (a < b ? -1 : 1))
  const lines = sorted
    .slice(0, LISTED_PARTITIONS)
    .map(([directory, { files, rows }]) => `  ${color.green(dryRun ? '~' : '+')} ${directory}/ ${color.dim(`${files} file(s), ${formatCount(rows)} rows`)}`)
  if (sorted.length > LISTED_PARTITIONS) lines.push(`  … and ${sorted.length - LISTED_PARTITIONS} more partition(s)`)
  lines.push(color.dim(`  (${table.outputs.length} files in ${sorted.length} partition(s); --verbose lists each file, --json gives them all)`))
  return lines
}

/** What the run did (or would do) with the table's Iceberg table. */
function icebergLine(iceberg: NonNullable<TableReplayReport['iceberg']>, dryRun: boolean): string {
  const where = iceberg.location ? ` at ${iceberg.location}` : ''
  if (dryRun) return `${iceberg.action === 'create' ? 'would create' : 'would append to'} ${iceberg.table}${where}`
  const snapshots = iceberg.snapshots.length === 1 ? `snapshot ${iceberg.snapshots[0]}` : `${iceberg.snapshots.length} snapshots`
  return `${iceberg.action === 'create' ? 'created' : 'appended to'} ${iceberg.table}${where}${iceberg.snapshots.length ? `: ${snapshots}` : ''}`
}

/** One line on what this run did (or would do) with a commit an earlier run left. */
export function describeEarlierCommit(commit: TableReplayReport['earlierCommits'][number], dryRun = false): string {
  switch (commit.resolution) {
    case 'rolled-forward':
      return `into ${commit.out} ${dryRun ? 'would be finished' : 'finished'}: its ${commit.files} file(s) were written there already, and ${dryRun ? 'would be' : 'are'} removed`
    case 'rolled-back':
      return `into ${commit.out} ${dryRun ? 'would be undone' : 'undone'}${commit.reason ? ` (${commit.reason})` : ''}: its ${commit.files} file(s) are written by this run`
    case 'kept':
      return `kept by --keep (written to ${commit.out}): its ${commit.files} file(s) stay, and are not written again`
  }
}
