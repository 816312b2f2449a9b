import { createInterface } from 'node:readline/promises'
import { Flags } from '@oclif/core'
import { BufctlCommand } from '../../cli/base-command.js'
import { rootFlag, tableFlag } from '../../cli/flags.js'
import { formatBytes, printable } from '../../cli/style.js'
import { parseDuration } from '../../lib/units.js'
import { InvalidOptionsError } from '../../lib/usage-errors.js'
import type { QuarantinedFile } from '../../lib/quarantine/index.js'

export default class QuarantinePurge extends BufctlCommand {
  static override summary = 'Delete quarantined files (and their reason records) once they have been looked at.'

  static override description = `This deletes data for good. On a terminal bufctl lists what it would delete and asks; anywhere else (cron, CI, a pipe) it needs --yes. --dry-run lists and deletes nothing.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --path /var/lib/otelcol/spill --older-than 7d',
    '<%= config.bin %> <%= command.id %> --table otel_logs --older-than 30d --yes --json',
  ]

  static override flags = {
    path: rootFlag,
    table: tableFlag,
    'older-than': Flags.string({ summary: 'Only files moved to quarantine at least this long ago (e.g. 7d, 12h).' }),
    yes: Flags.boolean({ char: 'y', summary: 'Delete without asking (required where there is no terminal).', default: false }),
    'dry-run': Flags.boolean({ char: 'n', summary: 'List what would be deleted; delete nothing.', default: false }),
  }

  async run(): Promise<{ removed: QuarantinedFile[]; dryRun: boolean }> {
    const { flags } = await this.parse(QuarantinePurge)
    if (!flags.path) throw new InvalidOptionsError('--path', 'name the spill root with --path or BUFCTL_PATH')
    const olderThanMs = flags['older-than'] === undefined ? undefined : parseDuration(flags['older-than'], '--older-than')
    const { removeQuarantined, selectForPurge } = await import('../../lib/quarantine/index.js')
    const chosen = await selectForPurge(flags.path, { tables: flags.table, olderThanMs })
    const describe = (entry: QuarantinedFile) => `${printable(entry.table)}/quarantine/${printable(entry.file)} (${formatBytes(entry.bytes)})`
    if (chosen.length === 0 || flags['dry-run']) {
      if (!this.jsonEnabled()) this.log(chosen.length === 0 ? 'nothing to purge' : chosen.map((entry) => `would delete ${describe(entry)}`).join('\n'))
      return { removed: chosen, dryRun: true }
    }
    if (!flags.yes) {
      if (!process.stdin.isTTY || this.jsonEnabled()) {
        throw new InvalidOptionsError('--yes', `purge deletes ${chosen.length} file(s) for good; pass --yes to do it without a terminal (or --dry-run to see them)`)
      }
      this.logToStderr(chosen.map(describe).join('\n'))
      const prompt = createInterface({ input: process.stdin, output: process.stderr })
      try {
        const answer = await prompt.question(`Delete these ${chosen.length} file(s) for good? [y/N] `)
        if (!/^y(es)?$/i.test(answer.trim())) {
          this.log('nothing deleted')
          return { removed: [], dryRun: false }
        }
      } finally {
        prompt.close()
      }
    }
    await removeQuarantined(chosen)
    if (!this.jsonEnabled()) this.log(chosen.map((entry) => `deleted ${describe(entry)}`).join('\n'))
    return { removed: chosen, dryRun: false }
  }
}
