/** What flush and recover share: flags, the one library call, and rendering of the report. */
import { Flags } from '@oclif/core'
import { BufctlCommand } from './base-command.js'
import { exitCodeForTables } from './exit-codes.js'
import { outFlag, parquetFlags, parquetOptions, quietFlag, rootFlag, tableFlag } from './flags.js'
import { withProgressBar } from './progress-bar.js'
import { formatBytes, formatCount, palette } from './style.js'
import { InvalidOptionsError } from '../lib/errors.js'
import { parseSize } from '../lib/units.js'
import type { ReplayMode, ReplayReport } from '../lib/replay/index.js'

export const replayFlags = {
  path: rootFlag,
  out: outFlag,
  table: tableFlag,
  ...parquetFlags,
  'target-file-size': Flags.string({
    summary: 'Arrow data per output file before another part starts (the Parquet file is several times smaller); parts are encoded in parallel.',
    default: '256MiB',
  }),
  jobs: Flags.integer({ char: 'j', summary: "Threads encoding Parquet (default: one per core); each holds up to one output file's row group in memory.", min: 1 }),
  'dry-run': Flags.boolean({ char: 'n', summary: 'Report what would be done; take no lock, write and delete nothing.', default: false }),
  quiet: quietFlag,
}

export abstract class ReplayCommand extends BufctlCommand {
  protected async runReplay(
    mode: ReplayMode,
    flags: {
      path?: string
      out?: string
      table?: string[]
      compression: string
      granularity: string
      'partition-by'?: string
      'target-file-size': string
      jobs?: number
      'dry-run': boolean
      keep?: boolean
      quiet: boolean
    },
  ): Promise<ReplayReport> {
    if (!flags.path) throw new InvalidOptionsError('--path', 'name the spill root with --path or BUFCTL_PATH')
    const { replay } = await import('../lib/replay/index.js')
    const report = await withProgressBar(!this.jsonEnabled() && !flags.quiet, mode, (progress) =>
      replay({
        mode,
        root: flags.path!,
        out: flags.out,
        tables: flags.table,
        dryRun: flags['dry-run'],
        keep: flags.keep,
        ...parquetOptions(flags),
        targetFileBytes: parseSize(flags['target-file-size'], '--target-file-size'),
        concurrency: flags.jobs,
        progress,
      }),
    )
    this.setExitCode(exitCodeForTables(report.failed.length, report.inUse.length))
    if (!this.jsonEnabled()) this.render(report, flags.quiet)
    return report
  }

  private render(report: ReplayReport, quiet: boolean): void {
    const color = palette()
    const verb = report.dryRun ? 'would write' : 'wrote'
    for (const table of report.tables) {
      if (table.status === 'in-use') {
        this.logToStderr(`${color.yellow('in use')} ${table.directory}: ${table.error?.message ?? 'locked by another process'}\n  ${color.dim(table.error?.hint ?? '')}`)
        continue
      }
      if (table.status === 'failed') {
        this.logToStderr(`${color.red('failed')} ${table.table}: ${table.error?.message}\n  ${color.dim(`Hint: ${table.error?.hint}`)}`)
        continue
      }
      if (quiet) continue
      const head =
        table.status === 'empty'
          ? color.dim(`${table.table}: nothing to write`)
          : `${color.bold(table.table)}: ${verb} ${formatCount(table.rows)} rows from ${table.files.length} file(s)`
      this.log(head + (table.outputs.length ? ` into ${table.outputs.length} Parquet file(s), ${formatBytes(table.parquetBytes)}` : ''))
      if (table.journal) this.log(`  finished an interrupted commit first (${table.journal})`)
      for (const output of table.outputs) this.log(`  ${color.green('+')} ${output.path} ${color.dim(`${formatCount(output.rows)} rows`)}`)
      for (const note of table.salvaged)
        this.log(`  ${color.yellow('salvaged')} ${note.file}: kept ${formatCount(note.rows)} rows, dropped ${note.droppedBytes} bytes (${note.reason})`)
      for (const note of table.quarantined) this.log(`  ${color.yellow('quarantined')} ${note.file}${note.movedTo ? ` → ${note.movedTo}` : ''}: ${note.reason}`)
      for (const [column, count] of Object.entries(table.repairedUtf8)) {
        this.log(`  ${color.yellow('invalid UTF-8')} ${column}: ${formatCount(count)} value(s) kept, written with U+FFFD in place of each invalid sequence`)
      }
    }
    if (!quiet) {
      const summary = `${report.dryRun ? 'Dry run: ' : ''}${formatCount(report.rows)} rows, ${report.outputs} Parquet file(s), ${report.tables.length} table(s)`
      const problems = [report.failed.length ? `${report.failed.length} failed` : '', report.inUse.length ? `${report.inUse.length} in use` : ''].filter(Boolean).join(', ')
      this.log(problems ? `${summary}; ${color.red(problems)}` : color.green(summary))
    }
  }
}
