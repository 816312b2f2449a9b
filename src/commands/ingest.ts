import { Args, Flags } from '@oclif/core'
import { BufctlCommand } from '../cli/base-command.js'
import { errorDocumentOf, exitCodeForSignal } from '../cli/exit-codes.js'
import { icebergFlags, icebergSettings, maxColumnsFlag, outFlag, parquetFlags, parquetOptions, quietFlag, rootFlag, s3Flags, s3Settings } from '../cli/flags.js'
import { runLongWork } from '../cli/long-work.js'
import { formatBytes, formatCount, palette, printable } from '../cli/style.js'
import type { IngestReport } from '../lib/ingest/index.js'
import type { StorageType } from '../lib/buffer/index.js'
import { parseDuration, parseSize } from '../lib/units.js'

export default class Ingest extends BufctlCommand {
  static override summary = "Feed Arrow IPC files into a table's buffer."

  static override description = `Accepts the IPC stream format and the IPC file format (ARROW1), told apart by their bytes, and - for standard input (or a pipe). Every input is checked whole, in bounded memory, before anything is appended: an input that is not Arrow, is empty, is torn, or does not fit the table is refused with nothing appended (exit 2). For the exporter's seven otel_* tables an input must have the exporter's exact columns (--schema any turns that off); every table takes only the schema of its current stream.

With --path (disk storage) each input is appended whole, as one pending file in the exporter's format, under the table's lock (exit 75 if the exporter holds it). An input file appended once is remembered: running the same ingest again after a failure skips what was appended (--allow-duplicate appends it anyway). With --out, size- and time-triggered flushes (--max-size, --flush-interval) and --flush write Parquet there, exactly once, as flush does; with --iceberg-catalog they commit to the Iceberg table of the table's name instead (disk storage only); without either, ingest only spills, which is how a buffer for the exporter or a test fixture is built.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> otel_logs logs-0001.arrow logs-0002.arrows --path /var/lib/otelcol/spill',
    'cat batch.arrows | <%= config.bin %> <%= command.id %> otel_traces - --path ./spill --fsync',
    '<%= config.bin %> <%= command.id %> otel_logs big.arrow --path ./spill --out ./parquet --max-size 256MiB --flush',
    '<%= config.bin %> <%= command.id %> my_events events.arrows --path ./spill --schema any',
    '<%= config.bin %> <%= command.id %> otel_logs logs.arrows --storage memory --out s3://lake/otel',
    '<%= config.bin %> <%= command.id %> otel_logs logs-0001.arrow --path ./spill --iceberg-catalog file:///data/warehouse --flush',
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
    'max-size': Flags.string({ summary: 'Flush (to --out or the Iceberg table) when a buffer reaches this estimated size (e.g. 128MiB).' }),
    'flush-interval': Flags.string({ summary: 'Flush (to --out or the Iceberg table) on this period while ingesting (e.g. 30s, 1m30s).' }),
    flush: Flags.boolean({ summary: 'Flush everything (to --out or the Iceberg table) at the end.', default: false }),
    fsync: Flags.boolean({ summary: 'fsync spilled data so it survives power loss (the exporter does not).', default: false }),
    schema: Flags.string({
      summary: "What an input must look like: exporter (the exporter's exact columns, for its seven otel_* tables) or any.",
      options: ['exporter', 'any'],
      default: 'exporter',
    }),
    'max-columns': maxColumnsFlag,
    'allow-duplicate': Flags.boolean({ summary: 'Append an input file even if it was appended to this table before.', default: false }),
    ...parquetFlags,
    quiet: quietFlag,
    ...s3Flags,
    ...icebergFlags,
  }

  async run(): Promise<IngestReport> {
    const { args, argv, flags } = await this.parse(Ingest)
    const options = {
      maxSizeBytes: flags['max-size'] === undefined ? undefined : parseSize(flags['max-size'], '--max-size'),
      flushIntervalMs: flags['flush-interval'] === undefined ? undefined : parseDuration(flags['flush-interval'], '--flush-interval'),
    }
    const { ingest } = await import('../lib/ingest/index.js')
    const { result: report, stoppedBy } = await runLongWork(!this.jsonEnabled() && !flags.quiet, 'reading', ({ progress, signal }) =>
      ingest({
        table: args.table,
        inputs: (argv as string[]).slice(1),
        stdin: process.stdin,
        storage: flags.storage as StorageType | undefined,
        root: flags.path,
        out: flags.out,
        s3: s3Settings(flags),
        iceberg: icebergSettings(flags),
        ...options,
        flush: flags.flush,
        fsync: flags.fsync,
        schema: flags.schema as 'exporter' | 'any',
        allowDuplicate: flags['allow-duplicate'],
        maxColumns: flags['max-columns'],
        ...parquetOptions(flags),
        progress,
        signal,
      }),
    )
    if (stoppedBy) this.setExitCode(exitCodeForSignal(stoppedBy))
    else if (report.error) this.setExitCode(errorDocumentOf(report.error).exitCode)
    if (!this.jsonEnabled()) this.render(report, flags.quiet)
    return report
  }

  private render(report: IngestReport, quiet: boolean): void {
    const color = palette()
    if (!quiet) {
      for (const input of report.inputs) {
        const what = `${printable(input.path)}: ${formatCount(input.rows)} rows in ${input.batches} batch(es), IPC ${input.format}, ${formatBytes(input.bytes)}`
        if (input.status === 'appended') this.log(`${color.green('+')} ${what}`)
        else if (input.status === 'skipped') this.log(`${color.yellow('skipped')} ${what}: ${input.note ?? ''}`)
        else this.log(`${color.red('not appended')} ${what}`)
      }
      for (const note of report.salvaged) {
        this.log(
          `  ${color.yellow('salvaged')} ${note.file}: kept ${formatCount(note.rows)} rows, dropped ${note.droppedBytes} bytes (${note.reason}); the original is in quarantine/`,
        )
      }
      for (const [column, count] of Object.entries(report.repairedUtf8)) {
        this.log(`  ${color.yellow('invalid UTF-8')} ${column}: ${formatCount(count)} value(s) written with U+FFFD in place of each invalid sequence`)
      }
      const where = report.directory ? `spilled to ${report.directory}` : 'buffered in memory'
      this.log(
        `${color.bold(printable(report.table))}: ${formatCount(report.rows)} rows ${where}; ${formatCount(report.flushedRows)} flushed to ${report.outputs.length} Parquet file(s), ${formatCount(report.bufferedRows)} left buffered`,
      )
    }
    if (report.error) this.logToStderr(`${color.red('Error:')} ${report.error.message}\n${color.dim('Hint:')} ${report.error.hint}`)
    if (report.error?.debug) process.stderr.write(`${report.error.debug}\n`)
  }
}
