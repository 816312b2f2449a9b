import { Flags } from '@oclif/core'
import { BufctlCommand } from '../cli/base-command.js'
import { EXIT_PARTIAL } from '../cli/exit-codes.js'
import { requireRoot, maxColumnsFlag, quietFlag, rootFlag, tableFlag } from '../cli/flags.js'
import { formatAge, formatBytes, formatCount, palette, printable, terminalText, textTable } from '../cli/style.js'
import { InvalidOptionsError } from '../lib/usage-errors.js'
import type { StatusReport, TableStatus } from '../lib/inspect/index.js'
import { parseDuration, parseSize } from '../lib/units.js'

export default class Status extends BufctlCommand {
  static override summary = 'Show what each table buffer of a spill directory holds, without locking it.'

  static override description = `Reads message metadata only (record-batch bodies are skipped unless --deep), takes no lock and changes no byte, so it is safe while the exporter runs. "in use" means another process holds the table's flock; on Linux the holder's PID comes from /proc/locks.

Exits 1, naming the table, when a file would stop the exporter from opening it (an empty pending file, one cut inside its schema), when a flush or recover commit was interrupted (run bufctl recover before starting the exporter), when a table directory cannot be read, or when a threshold (--max-age, --max-pending-bytes, --max-rows) is exceeded: suited to cron and alerting. --format prometheus writes the text exposition format for node_exporter's textfile collector; with --output the file is replaced atomically, and a run that fails still rewrites it, with bufctl_last_run_success 0 and no figure left from an earlier run (bufctl_last_run_timestamp_seconds and bufctl_last_success_timestamp_seconds say when bufctl last ran, and last succeeded).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --path /var/lib/otelcol/spill',
    '<%= config.bin %> <%= command.id %> --max-age 15m --max-pending-bytes 2GiB   # BUFCTL_PATH set; exit 1 when over',
    '<%= config.bin %> <%= command.id %> --format prometheus --output /var/lib/node_exporter/textfile/bufctl.prom',
    '<%= config.bin %> <%= command.id %> --deep --json | jq ".tables[] | select(.tornBytes > 0)"',
  ]

  static override flags = {
    path: rootFlag,
    table: tableFlag,
    format: Flags.string({ char: 'f', summary: 'Output format.', options: ['table', 'json', 'prometheus'], default: 'table' }),
    output: Flags.string({ summary: 'Write the output to this file (atomically: temporary file, then rename) instead of stdout.' }),
    'max-columns': maxColumnsFlag,
    deep: Flags.boolean({ summary: 'Decode every batch, not only metadata, to find damage inside bodies.', default: false }),
    'max-age': Flags.string({ summary: "Exit 1 when a table's oldest pending file is older (e.g. 15m, 1h)." }),
    'max-pending-bytes': Flags.string({ summary: "Exit 1 when a table's pending files exceed this size (e.g. 512MiB)." }),
    'max-rows': Flags.integer({ summary: 'Exit 1 when a table buffers more rows.', min: 0 }),
    quiet: quietFlag,
  }

  async run(): Promise<StatusReport> {
    const { flags } = await this.parse(Status)
    const root = requireRoot(flags.path)
    if (this.jsonEnabled() && flags.format === 'prometheus' && !flags.output) {
      throw new InvalidOptionsError(
        '--json',
        'stdout cannot hold both the Prometheus text and the JSON report',
        'use --format prometheus alone, or --json alone, or --format prometheus --output FILE --json (the file gets the text, stdout the JSON)',
      )
    }
    // The library is loaded here, not at start-up, so that --help and --version stay fast.
    const { lastSuccessIn, renderFailedRun, renderPrometheus, status, writeStatusFile } = await import('../lib/inspect/index.js')
    const textfile = flags.format === 'prometheus' ? flags.output : undefined
    const lastSuccessAt = textfile ? await lastSuccessIn(textfile) : undefined
    let report: StatusReport
    try {
      report = await status({
        root,
        tables: flags.table,
        deep: flags.deep,
        maxColumns: flags['max-columns'],
        thresholds: {
          maxAgeSeconds: flags['max-age'] === undefined ? undefined : parseDuration(flags['max-age'], '--max-age') / 1000,
          maxPendingBytes: flags['max-pending-bytes'] === undefined ? undefined : parseSize(flags['max-pending-bytes'], '--max-pending-bytes'),
          maxRows: flags['max-rows'],
        },
      })
    } catch (error) {
      // The textfile says the run failed, with no figure left from an earlier run; then the error as usual.
      if (textfile) await writeStatusFile(textfile, renderFailedRun({ success: false, at: new Date(), lastSuccessAt })).catch(() => undefined)
      throw error
    }
    const now = new Date()
    if (report.exceeded.length > 0 || report.blocked.length > 0 || report.interrupted.length > 0 || report.unreadable.length > 0) this.setExitCode(EXIT_PARTIAL)
    const render = () =>
      flags.format === 'prometheus'
        ? renderPrometheus(report, { success: true, at: now, lastSuccessAt: now })
        : flags.format === 'json'
          ? `${JSON.stringify(report, null, 2)}\n`
          : renderTable(report)
    // --output is honoured with --json too: cron keeps the textfile fresh while a script reads stdout.
    if (flags.output) await writeStatusFile(flags.output, render())
    if (this.jsonEnabled()) return report
    if (!flags.output && (!flags.quiet || flags.format !== 'table')) process.stdout.write(flags.format === 'table' ? terminalText(render()) : render())
    for (const line of alerts(report)) this.logToStderr(line)
    return report
  }
}

function renderTable(report: StatusReport): string {
  const color = palette()
  if (report.tables.length === 0) return `${color.dim(`No table directories in ${report.root}.`)}\n`
  const rows = report.tables.map((t) => [
    color.bold(printable(t.table)),
    formatCount(t.rows),
    formatCount(t.activeRows),
    String(t.pendingFiles),
    formatBytes(t.pendingBytes),
    t.pendingFiles ? formatAge(t.oldestPendingAgeSeconds) : '-',
    formatBytes(t.estimatedSizeBytes),
    t.inUse ? color.yellow(`in use${t.holderPid ? ` (pid ${t.holderPid})` : ''}`) : color.green('free'),
    damageCell(t),
  ])
  const lines = [textTable(['TABLE', 'ROWS', 'ACTIVE', 'PENDING', 'PENDING SIZE', 'OLDEST', 'EST. SIZE', 'LOCK', 'DAMAGE'], rows), '']
  for (const t of report.tables) lines.push(...tableDetails(t))
  return `${lines.join('\n')}\n`
}

function damageCell(t: StatusReport['tables'][number]): string {
  const color = palette()
  if (t.blockingFiles.length > 0) return color.red('blocks exporter')
  if (t.tornBytes > 0) return color.red(`${formatBytes(t.tornBytes)} torn`)
  if (t.beingWritten) return color.dim('being written')
  return color.green('clean')
}

/** What a table's row of the table cannot say: its schema, and every problem with the file it is in. */
function tableDetails(t: StatusReport['tables'][number]): string[] {
  const color = palette()
  const shape = t.exporterShape
  const schema = shape?.matches ? `the exporter's schema; promoted: ${shape.promoted.join(', ') || '(none)'}` : (t.schema ?? '(no schema yet)')
  const lines = [`${color.bold(printable(t.table))} ${color.dim(schema)}`]
  for (const f of t.unsupportedFiles) lines.push(`  ${color.yellow('unsupported')} ${printable(f.file)}: ${f.reason} (recover keeps it in quarantine/; flush refuses the table)`)
  for (const f of t.blockingFiles) lines.push(`  ${color.red('blocks the exporter')} ${f.file}: ${f.reason} (the exporter cannot open this table; run bufctl recover)`)
  const blocking = new Set(t.blockingFiles.map((f) => f.file))
  for (const d of t.damage.filter((d) => !blocking.has(d.file))) {
    lines.push(`  ${color.red('damage')} ${d.file} at byte ${d.offset}: ${d.reason} (${formatBytes(d.droppedBytes)} past the last complete batch; run bufctl recover)`)
  }
  if (t.beingWritten) lines.push(`  ${color.dim('active.ipc is being written by the lock holder (its last message is not complete yet)')}`)
  if (shape && !shape.matches) lines.push(`  ${color.yellow("not the exporter's shape")}: ${shape.difference}`)
  for (const [column, count] of Object.entries(t.invalidUtf8)) {
    lines.push(`  ${color.yellow('invalid UTF-8')} ${column}: ${formatCount(count)} value(s), kept; flush and recover write them with U+FFFD`)
  }
  for (const entry of t.oddEntries) lines.push(`  ${color.yellow('skipped')} ${printable(entry.name)}: ${entry.reason}`)
  if (t.quarantinedFiles) lines.push(`  ${color.yellow(`${t.quarantinedFiles} file(s) in quarantine/`)} (bufctl quarantine list)`)
  if (t.interruptedCommit) {
    lines.push(`  ${color.red('interrupted commit')}: ${t.heldFiles} file(s) held, hidden from the exporter; run ${recoverCommand(t)} before starting the exporter`)
  }
  if (t.waitingOnCatalog) lines.push(`  ${color.yellow('waiting on the Iceberg catalog')} ${t.waitingOnCatalog.catalog} (table ${t.waitingOnCatalog.table})`)
  if (t.commitInProgress) lines.push(`  ${color.dim(`a commit in progress (pid ${t.holderPid ?? '?'})`)}`)
  if (t.keptFiles) {
    lines.push(
      `  ${color.yellow(`${t.keptFiles} pending file(s) already written by recover --keep`)}: bufctl flush or recover removes them without writing again; the exporter would write them again`,
    )
  }
  return lines
}

/** The command that finishes a table's interrupted commit: a commit to an Iceberg table needs its catalog. */
function recoverCommand(table: TableStatus): string {
  return table.waitingOnCatalog ? `bufctl recover --iceberg-catalog ${table.waitingOnCatalog.catalog}` : 'bufctl recover'
}

const THRESHOLD_NAMES = { 'max-age': 'oldest pending file', 'max-pending-bytes': 'pending bytes', 'max-rows': 'rows' } as const

/** What calls for action, one line each, for stderr (cron mails it). */
function alerts(report: StatusReport): string[] {
  const color = palette()
  const lines = report.exceeded.map((breach) => {
    const show = breach.threshold === 'max-age' ? formatAge : breach.threshold === 'max-pending-bytes' ? formatBytes : formatCount
    return `${color.yellow('Threshold exceeded:')} table ${printable(breach.table)}: ${THRESHOLD_NAMES[breach.threshold]} ${show(breach.value)} > --${breach.threshold} ${show(breach.limit)}`
  })
  for (const table of report.tables) {
    const name = printable(table.table)
    for (const file of table.blockingFiles) lines.push(`${color.red('Blocks the exporter:')} ${name}/${file.file}: ${file.reason}; run bufctl recover to quarantine it`)
    if (table.interruptedCommit) {
      lines.push(
        `${color.red('Interrupted commit:')} ${name}: ${table.heldFiles} file(s) held by a flush or recover that did not finish; run ${recoverCommand(table)} before starting the exporter`,
      )
    }
  }
  for (const { table, error } of report.unreadable) lines.push(`${color.red('Cannot read')} table ${printable(table)}: ${error.message}\n  ${color.dim(`Hint: ${error.hint}`)}`)
  for (const entry of report.ignored) lines.push(`${color.yellow('Ignored:')} ${printable(entry.name)} in ${report.root}: ${entry.reason}`)
  return lines
}
