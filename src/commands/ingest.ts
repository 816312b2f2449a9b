import { Args, Flags } from '@oclif/core'
import { BufctlCommand } from '../cli/base-command.js'
import { outFlag, parquetFlags, parquetOptions, quietFlag, rootFlag } from '../cli/flags.js'
import { withProgressBar } from '../cli/progress-bar.js'
import { formatBytes, formatCount, palette } from '../cli/style.js'
import type { IngestReport } from '../lib/ingest/index.js'
import type { StorageType } from '../lib/buffer/index.js'
import { parseDuration, parseSize } from '../lib/units.js'

export default class Ingest extends BufctlCommand {
  static override summary = "Feed Arrow IPC files into a table's buffer."

  static override description = `Accepts the IPC stream format and the IPC file format (ARROW1), told apart by their bytes, and
- for standard input. Every input is read and checked before anything is appended: an input that is
not Arrow, is empty, is torn, or whose schema differs from the table's current stream is rejected
with nothing appended (exit 2).

With --path (disk storage) the batches are spilled into <path>/<table>/ in the exporter's format,
under its lock (exit 75 if the exporter holds it). With --out, size- and time-triggered flushes
(--max-size, --flush-interval) and --flush write Parquet there; without --out ingest only spills,
which is how a buffer for the exporter or a test fixture is built.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> otel_logs logs-0001.arrow logs-0002.arrows --path /var/lib/otelcol/spill',
    'cat batch.arrows | <%= config.bin %> <%= command.id %> otel_traces - --path ./spill --fsync',
    '<%= config.bin %> <%= command.id %> otel_logs big.arrow --path ./spill --out ./parquet --max-size 256MiB --flush',
    '<%= config.bin %> <%= command.id %> otel_logs file.arrow --storage memory --out ./parquet',
  ]

  static override strict = false

  static override args = {
    table: Args.string({ description: 'Table name (its directory name is sanitised as the exporter does).', required: true }),
    file: Args.string({ description: 'Arrow IPC files (stream or file format); - reads standard input.', required: true }),
  }

  static override flags = {
    path: rootFlag,
    out: outFlag,
    storage: Flags.string({ summary: 'Buffer storage (default: disk when --path is given, else memory).', options: ['disk', 'memory'] }),
    'max-size': Flags.string({ summary: 'Flush to --out when a buffer reaches this estimated size (e.g. 128MiB).' }),
    'flush-interval': Flags.string({ summary: 'Flush to --out on this period while ingesting (e.g. 30s).' }),
    flush: Flags.boolean({ summary: 'Flush everything to --out at the end.', default: false }),
    schema: Flags.string({
      summary: "What an input must look like: exporter (for the exporter's seven otel_* tables, its exact columns) or any.",
      options: ['exporter', 'any'],
      default: 'exporter',
    }),
    fsync: Flags.boolean({ summary: 'fsync spilled data so it survives power loss (the exporter does not).', default: false }),
    ...parquetFlags,
    quiet: quietFlag,
  }

  async run(): Promise<IngestReport> {
    const { args, argv, flags } = await this.parse(Ingest)
    const { ingest } = await import('../lib/ingest/index.js')
    const report = await withProgressBar(!this.jsonEnabled() && !flags.quiet, 'reading', (progress) =>
      ingest({
        table: args.table,
        inputs: (argv as string[]).slice(1),
        stdin: process.stdin,
        storage: flags.storage as StorageType | undefined,
        root: flags.path,
        out: flags.out,
        maxSizeBytes: flags['max-size'] === undefined ? undefined : parseSize(flags['max-size'], '--max-size'),
        flushIntervalMs: flags['flush-interval'] === undefined ? undefined : parseDuration(flags['flush-interval'], '--flush-interval'),
        flush: flags.flush,
        fsync: flags.fsync,
        schema: flags.schema as 'exporter' | 'any',
        ...parquetOptions(flags),
        progress,
      }),
    )
    if (!this.jsonEnabled() && !flags.quiet) {
      const color = palette()
      for (const input of report.inputs)
        this.log(`${color.green('+')} ${input.path}: ${formatCount(input.rows)} rows in ${input.batches} batch(es), IPC ${input.format}, ${formatBytes(input.bytes)}`)
      const where = report.directory ? `spilled to ${report.directory}` : 'buffered in memory'
      for (const [column, count] of Object.entries(report.repairedUtf8)) {
        this.log(`  ${color.yellow('invalid UTF-8')} ${column}: ${formatCount(count)} value(s) written with U+FFFD in place of each invalid sequence`)
      }
      this.log(
        `${color.bold(report.table)}: ${formatCount(report.rows)} rows ${where}; ${formatCount(report.flushedRows)} flushed to ${report.outputs.length} Parquet file(s), ${formatCount(report.bufferedRows)} left buffered`,
      )
    }
    return report
  }
}
