import { BufctlCommand } from '../../cli/base-command.js'
import { rootFlag, tableFlag } from '../../cli/flags.js'
import { formatAge, formatBytes, formatCount, printable, textTable } from '../../cli/style.js'
import { InvalidOptionsError } from '../../lib/usage-errors.js'
import type { QuarantinedFile } from '../../lib/quarantine/index.js'

export default class QuarantineList extends BufctlCommand {
  static override summary = 'List the files recover set aside in each table’s quarantine/, with why, when, size and rows.'

  static override description = `Read-only; no lock is taken. "restorable" says whether bufctl quarantine restore would put the file back: a file whose complete batches were already written to Parquet when it was moved (a salvaged original) never is, and neither is one recover would set aside again.`

  static override examples = ['<%= config.bin %> <%= command.id %> --path /var/lib/otelcol/spill', '<%= config.bin %> <%= command.id %> --table otel_logs --json']

  static override flags = { path: rootFlag, table: tableFlag }

  async run(): Promise<{ files: QuarantinedFile[] }> {
    const { flags } = await this.parse(QuarantineList)
    if (!flags.path) throw new InvalidOptionsError('--path', 'name the spill root with --path or BUFCTL_PATH')
    const { listQuarantine } = await import('../../lib/quarantine/index.js')
    const files = await listQuarantine(flags.path, flags.table)
    if (!this.jsonEnabled()) {
      if (files.length === 0) this.log('quarantine/ is empty in every table')
      else {
        const now = Date.now()
        const rows = files.map((entry) => [
          printable(entry.table),
          printable(entry.file),
          formatBytes(entry.bytes),
          formatCount(entry.rows),
          `${formatAge((now - Date.parse(entry.movedAt)) / 1000)} ago`,
          restorable(entry),
          printable(entry.reason),
        ])
        this.log(textTable(['table', 'file', 'size', 'rows', 'moved', 'restorable', 'reason'], rows))
      }
    }
    return { files }
  }
}

function restorable(entry: QuarantinedFile): string {
  if (entry.written) return 'no (rows written)'
  if (entry.verdict === 'clean' || entry.verdict === 'damaged') return 'yes'
  return `no (${entry.verdict})`
}
