import { createInterface } from 'node:readline/promises'
import { Flags } from '@oclif/core'
import { BufctlCommand } from '../../cli/base-command.js'
import { requireRoot, quietFlag, rootFlag, tableFlag } from '../../cli/flags.js'
import { formatBytes, printable } from '../../cli/style.js'
import { parseDuration } from '../../lib/units.js'
import { InvalidOptionsError } from '../../lib/usage-errors.js'
import type { PurgeResult, QuarantinedFile } from '../../lib/quarantine/index.js'

export default class QuarantinePurge extends BufctlCommand {
  static override summary = 'Delete quarantined files (and their reason records) once they have been looked at.'

  static override description = `This deletes data for good. On a terminal bufctl lists what it would delete and asks; anywhere else (cron, CI, a pipe) it needs --yes. --dry-run lists and deletes nothing. Exactly the files listed are deleted, each only while it is still the file that was listed, and nothing outside the spill root (a quarantine/ that is a link is refused, exit 2).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --path /var/lib/otelcol/spill --older-than 7d --dry-run',
    '<%= config.bin %> <%= command.id %> --path ./crashed --table otel_logs --older-than 30d --yes --json',
  ]

  static override flags = {
    path: rootFlag,
    table: tableFlag,
    'older-than': Flags.string({ summary: 'Only files moved to quarantine at least this long ago (e.g. 7d, 12h).' }),
    yes: Flags.boolean({ char: 'y', summary: 'Delete without asking (required where there is no terminal).', default: false }),
    'dry-run': Flags.boolean({ char: 'n', summary: 'List what would be deleted; delete nothing.', default: false }),
    quiet: quietFlag,
  }

  async run(): Promise<PurgeResult & { dryRun: boolean }> {
    const { flags } = await this.parse(QuarantinePurge)
    const olderThanMs = flags['older-than'] === undefined ? undefined : parseDuration(flags['older-than'], '--older-than')
    const { purgeQuarantine } = await import('../../lib/quarantine/index.js')
    const describe = (entry: QuarantinedFile) => `${printable(entry.table)}/quarantine/${printable(entry.file)} (${formatBytes(entry.bytes)})`
    const talk = !this.jsonEnabled() && !flags.quiet
    const result = await purgeQuarantine(requireRoot(flags.path), {
      tables: flags.table,
      olderThanMs,
      confirm: async (chosen) => {
        if (flags['dry-run']) return false
        if (flags.yes) return true
        if (!process.stdin.isTTY || this.jsonEnabled()) throw new PurgeNeedsYes(chosen.length)
        this.logToStderr(chosen.map(describe).join('\n'))
        const prompt = createInterface({ input: process.stdin, output: process.stderr })
        try {
          return /^y(es)?$/i.test((await prompt.question(`Delete these ${chosen.length} file(s) for good? [y/N] `)).trim())
        } finally {
          prompt.close()
        }
      },
    }).catch((error: unknown) => {
      if (error instanceof PurgeNeedsYes) {
        throw new InvalidOptionsError(
          '--yes',
          `purge deletes ${error.count} file(s) for good and there is no terminal to ask`,
          'pass --yes to delete them, or --dry-run to see them first',
        )
      }
      throw error
    })
    const dryRun = flags['dry-run']
    if (talk) {
      if (result.chosen.length === 0) this.log('nothing to purge')
      else if (dryRun) this.log(result.chosen.map((entry) => `would delete ${describe(entry)}`).join('\n'))
      else if (result.removed.length === 0) this.log('nothing deleted')
      else this.log(result.removed.map((entry) => `deleted ${describe(entry)}`).join('\n'))
    }
    for (const entry of result.changed) this.logToStderr(`left ${describe(entry)}: it changed after it was listed`)
    return { ...result, dryRun }
  }
}

/** No terminal to ask and no --yes: raised inside confirm, before anything is deleted. */
class PurgeNeedsYes extends Error {
  constructor(readonly count: number) {
    super('purge needs --yes')
  }
}
