/**
 * status in the Prometheus text exposition format, for node_exporter's textfile collector: one
 * gauge per figure, `bufctl_buffer_*` in base units with a `table` label, written atomically; and
 * `bufctl_last_run_*`, so that an alert fires when bufctl fails or stops running. A failed run
 * rewrites the file too, with only the run gauges: figures it could not gather are absent, never
 * left from an earlier run.
 */
import { readFile } from 'node:fs/promises'
import { InvalidOptionsError } from '../usage-errors.js'
import { writeFileAtomically } from '../fs-util.js'
import type { StatusReport, TableStatus } from './status.js'

/** How a run went, for the `bufctl_last_run_*` gauges. */
export interface RunOutcome {
  readonly success: boolean
  readonly at: Date
  /** The last run that succeeded (this one, when it did); absent when none is known. */
  readonly lastSuccessAt?: Date
}

/** Each gauge: its name, its help text, and its value for a table. */
const METRICS: readonly [string, string, (table: TableStatus) => number][] = [
  ['bufctl_buffer_rows', 'Complete rows buffered (active plus pending).', (t) => t.rows],
  ['bufctl_buffer_active_rows', 'Complete rows in the active stream.', (t) => t.activeRows],
  ['bufctl_buffer_active_bytes', 'Size of the active stream file in bytes.', (t) => t.activeBytes],
  ['bufctl_buffer_pending_files', 'Sealed pending files awaiting flush.', (t) => t.pendingFiles],
  ['bufctl_buffer_pending_bytes', 'Total size of pending files in bytes.', (t) => t.pendingBytes],
  ['bufctl_buffer_oldest_pending_age_seconds', 'Age of the oldest pending file in seconds.', (t) => t.oldestPendingAgeSeconds],
  ['bufctl_buffer_estimated_size_bytes', 'Estimated buffer size in bytes (rows times bytes per row).', (t) => t.estimatedSizeBytes],
  ['bufctl_buffer_in_use', 'Whether another process holds the table lock (1) or not (0).', (t) => Number(t.inUse)],
  ['bufctl_buffer_torn_bytes', 'Bytes past the last complete message (torn or damaged tails).', (t) => t.tornBytes],
  ['bufctl_buffer_blocking_files', 'Files that stop the exporter from opening the table (empty, cut inside their schema, unreadable).', (t) => t.blockingFiles.length],
  ['bufctl_buffer_quarantined_files', 'Files moved to quarantine by recover.', (t) => t.quarantinedFiles],
  ['bufctl_buffer_interrupted_commit', 'Whether a flush or recover commit was interrupted (1) and awaits bufctl recover.', (t) => Number(t.interruptedCommit)],
]

/** Prometheus text exposition (for node_exporter's textfile collector); with `outcome`, the run gauges too. */
export function renderPrometheus(report: StatusReport, outcome?: RunOutcome): string {
  const lines: string[] = outcome ? runLines(outcome) : []
  for (const [name, help, value] of METRICS) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`)
    for (const table of report.tables) lines.push(`${name}{table="${escapeLabel(table.table)}"} ${value(table)}`)
  }
  lines.push('# HELP bufctl_buffer_unreadable Whether bufctl could not inspect the table directory (1); its other gauges are absent.', '# TYPE bufctl_buffer_unreadable gauge')
  for (const table of report.tables) lines.push(`bufctl_buffer_unreadable{table="${escapeLabel(table.table)}"} 0`)
  for (const { table } of report.unreadable) lines.push(`bufctl_buffer_unreadable{table="${escapeLabel(table)}"} 1`)
  return `${lines.join('\n')}\n`
}

/** The textfile of a run that gathered nothing: the run gauges only. */
export function renderFailedRun(outcome: RunOutcome): string {
  return `${runLines(outcome).join('\n')}\n`
}

/** When the run that wrote the textfile at `path` last succeeded, if it says. */
export async function lastSuccessIn(path: string): Promise<Date | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '')
  const seconds = Number(/^bufctl_last_success_timestamp_seconds (\S+)$/m.exec(text)?.[1])
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : undefined
}

function runLines(outcome: RunOutcome): string[] {
  const seconds = (date: Date) => Math.floor(date.getTime() / 1000)
  const lines = [
    '# HELP bufctl_last_run_success Whether the last bufctl status run gathered its figures (1) or failed (0).',
    '# TYPE bufctl_last_run_success gauge',
    `bufctl_last_run_success ${outcome.success ? 1 : 0}`,
    '# HELP bufctl_last_run_timestamp_seconds When the last bufctl status run ended, in seconds since the epoch.',
    '# TYPE bufctl_last_run_timestamp_seconds gauge',
    `bufctl_last_run_timestamp_seconds ${seconds(outcome.at)}`,
  ]
  if (outcome.lastSuccessAt) {
    lines.push(
      '# HELP bufctl_last_success_timestamp_seconds When a bufctl status run last succeeded, in seconds since the epoch.',
      '# TYPE bufctl_last_success_timestamp_seconds gauge',
      `bufctl_last_success_timestamp_seconds ${seconds(outcome.lastSuccessAt)}`,
    )
  }
  return lines
}

/** Writes a status file by temporary name and rename, so a collector never reads half of it. */
export async function writeStatusFile(path: string, text: string): Promise<void> {
  if (!path) throw new InvalidOptionsError('--output', 'expected a file path')
  // 0644 whatever the umask: node_exporter runs as another user and must read it.
  await writeFileAtomically(path, new TextEncoder().encode(text), { mode: 0o644 })
}

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')
}
