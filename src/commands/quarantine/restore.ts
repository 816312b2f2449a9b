import { Args } from '@oclif/core'
import { BufctlCommand } from '../../cli/base-command.js'
import { rootFlag } from '../../cli/flags.js'
import { formatCount, printable } from '../../cli/style.js'
import { InvalidOptionsError } from '../../lib/usage-errors.js'
import type { RestoredFile } from '../../lib/quarantine/index.js'

export default class QuarantineRestore extends BufctlCommand {
  static override summary = 'Put a quarantined file back as its table’s next pending file, after checking it as recover would.'

  static override description = `Takes the table's lock (exit 75 while the exporter holds it). The file must hold at least one complete batch of a type Parquet takes and have the table's schema, and none of its rows may have been written when it was moved; otherwise it stays where it is, with the reason (exit 2). Once restored, the next flush or recover writes its rows, once.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> otel_logs pending-000007.ipc --path /var/lib/otelcol/spill',
    '<%= config.bin %> <%= command.id %> otel_logs active.ipc --json',
  ]

  static override args = {
    table: Args.string({ description: 'The table whose quarantine/ holds the file.', required: true }),
    file: Args.string({ description: 'The file’s name in quarantine/ (see bufctl quarantine list).', required: true }),
  }

  static override flags = { path: rootFlag }

  async run(): Promise<RestoredFile> {
    const { args, flags } = await this.parse(QuarantineRestore)
    if (!flags.path) throw new InvalidOptionsError('--path', 'name the spill root with --path or BUFCTL_PATH')
    const { restoreFromQuarantine } = await import('../../lib/quarantine/index.js')
    const restored = await restoreFromQuarantine(flags.path, args.table, args.file)
    this.log(`restored ${printable(restored.from)} as ${printable(restored.table)}/${restored.to} (${formatCount(restored.rows)} rows); the next flush or recover writes them`)
    return restored
  }
}
