import { Args, Flags } from '@oclif/core'
import { BufctlCommand } from '../../cli/base-command.js'
import { requireRoot, quietFlag, rootFlag } from '../../cli/flags.js'
import { formatCount, printable } from '../../cli/style.js'
import type { RestoredFile } from '../../lib/quarantine/index.js'

export default class QuarantineRestore extends BufctlCommand {
  static override summary = 'Put a quarantined file back as its table’s next pending file, after checking it as recover would.'

  static override description = `Takes the table's lock (exit 75 while the exporter holds it). The file must hold at least one complete batch of a type Parquet takes and have the table's schema; and its past must be known: its reason record must be there and say none of its rows were written when it was moved (a salvaged original's were), and no commit made with --keep may name it. Otherwise it stays where it is, with the reason (exit 2). --force puts back a file whose past is unknown or whose rows were written, with a warning: its rows may then be written twice. Once restored, the next flush or recover writes its rows.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> otel_logs pending-000007.ipc --path /var/lib/otelcol/spill',
    '<%= config.bin %> <%= command.id %> otel_logs pending-000007.ipc --path ./crashed --json',
  ]

  static override args = {
    table: Args.string({ description: 'The table whose quarantine/ holds the file.', required: true }),
    file: Args.string({ description: 'The file’s name in quarantine/, as bufctl quarantine list shows it.', required: true }),
  }

  static override flags = {
    path: rootFlag,
    force: Flags.boolean({ summary: 'Restore even when its past is unknown or its rows were written (they may then be written twice).', default: false }),
    quiet: quietFlag,
  }

  async run(): Promise<RestoredFile> {
    const { args, flags } = await this.parse(QuarantineRestore)
    const { restoreFromQuarantine } = await import('../../lib/quarantine/index.js')
    const restored = await restoreFromQuarantine(requireRoot(flags.path), args.table, args.file, { force: flags.force })
    if (restored.forced) this.warning(`restored with --force although ${restored.forced}`)
    if (!this.jsonEnabled() && !flags.quiet) {
      this.log(`restored ${printable(restored.from)} as ${printable(restored.table)}/${restored.to} (${formatCount(restored.rows)} rows); the next flush or recover writes them`)
    }
    return restored
  }
}
