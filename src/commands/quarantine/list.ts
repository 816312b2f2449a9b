import { BufctlCommand } from '../../cli/base-command.js'
import { requireRoot, quietFlag, rootFlag, tableFlag } from '../../cli/flags.js'
import { formatAge, formatBytes, formatCount, printable, textTable } from '../../cli/style.js'
import type { QuarantinedFile } from '../../lib/quarantine/index.js'

export default class QuarantineList extends BufctlCommand {
  static override summary = 'List the files recover set aside in each table’s quarantine/, with why, when, size and rows.'

  static override description = `Read-only; no lock is taken, and nothing outside the spill root is read (a quarantine/ that is a link is refused, exit 2). "restorable" says whether bufctl quarantine restore would put the file back: never a file whose complete batches were already written to Parquet when it was moved (a salvaged original), one without its reason record (then nobody knows), nor one recover would set aside again. Names that are not UTF-8 are shown with \\xNN escapes.`

  static override examples = ['<%= config.bin %> <%= command.id %> --path /var/lib/otelcol/spill', '<%= config.bin %> <%= command.id %> --path ./crashed --table otel_logs --json']

  static override flags = { path: rootFlag, table: tableFlag, quiet: quietFlag }

  async run(): Promise<{ files: QuarantinedFile[] }> {
    const { flags } = await this.parse(QuarantineList)
    const { listQuarantine } = await import('../../lib/quarantine/index.js')
    const files = await listQuarantine(requireRoot(flags.path), flags.table)
    if (this.jsonEnabled() || flags.quiet) return { files }
    if (files.length === 0) this.log('quarantine/ is empty in every table')
    else {
      const now = Date.now()
      const rows = files.map((entry) => [
        printable(entry.table),
        printable(entry.file),
        formatBytes(entry.bytes),
        formatCount(entry.rows),
        `${formatAge((now - Date.parse(entry.movedAt)) / 1000)} ago`,
        entry.restorable ? 'yes' : `no (${restorableNote(entry)})`,
        printable(entry.reason),
      ])
      this.log(textTable(['table', 'file', 'size', 'rows', 'moved', 'restorable', 'reason'], rows))
    }
    return { files }
  }
}

/** Why a file is not restorable, in a few words for the table (the full reason is in --json and restore's error). */
function restorableNote(entry: QuarantinedFile): string {
  if (entry.written) return 'rows written'
  if (entry.verdict !== 'clean' && entry.verdict !== 'damaged') return entry.verdict
  return 'past unknown'
}
