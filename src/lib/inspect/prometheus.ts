/**
 * status in the Prometheus text exposition format, for node_exporter's textfile collector: one
 * gauge per figure, `bufctl_buffer_*` in base units with a `table` label, written atomically.
 */
import { InvalidOptionsError } from '../errors.js'
import { writeFileAtomically } from '../fs-util.js'
import type { StatusReport, TableStatus } from './status.js'

type NumericKey = { [K in keyof TableStatus]-?: TableStatus[K] extends number | boolean ? K : never }[keyof TableStatus]

const METRICS: readonly [NumericKey, string, string][] = [
  ['rows', 'bufctl_buffer_rows', 'Complete rows buffered (active plus pending).'],
  ['activeRows', 'bufctl_buffer_active_rows', 'Complete rows in the active stream.'],
  ['activeBytes', 'bufctl_buffer_active_bytes', 'Size of the active stream file in bytes.'],
  ['pendingFiles', 'bufctl_buffer_pending_files', 'Sealed pending files awaiting flush.'],
  ['pendingBytes', 'bufctl_buffer_pending_bytes', 'Total size of pending files in bytes.'],
  ['oldestPendingAgeSeconds', 'bufctl_buffer_oldest_pending_age_seconds', 'Age of the oldest pending file in seconds.'],
  ['estimatedSizeBytes', 'bufctl_buffer_estimated_size_bytes', 'Estimated buffer size in bytes (rows times bytes per row).'],
  ['inUse', 'bufctl_buffer_in_use', 'Whether another process holds the table lock (1) or not (0).'],
  ['tornBytes', 'bufctl_buffer_torn_bytes', 'Bytes past the last complete message (torn or damaged tails).'],
  ['quarantinedFiles', 'bufctl_buffer_quarantined_files', 'Files moved to quarantine by recover.'],
]

/** Prometheus text exposition (for node_exporter's textfile collector). */
export function renderPrometheus(report: StatusReport): string {
  const lines: string[] = []
  for (const [key, name, help] of METRICS) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`)
    for (const table of report.tables) {
      const value = table[key]
      lines.push(`${name}{table="${escapeLabel(table.table)}"} ${typeof value === 'boolean' ? Number(value) : value}`)
    }
  }
  return `${lines.join('\n')}\n`
}

/** Writes a status file by temporary name and rename, so a collector never reads half of it. */
export async function writeStatusFile(path: string, text: string): Promise<void> {
  if (!path) throw new InvalidOptionsError('--output', 'expected a file path')
  await writeFileAtomically(path, new TextEncoder().encode(text))
}

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')
}
