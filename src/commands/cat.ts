import { setFlagsFromString } from 'node:v8'
import { Args, Flags } from '@oclif/core'
import { BufctlCommand } from '../cli/base-command.js'
import { EXIT_PARTIAL } from '../cli/exit-codes.js'
import { maxColumnsFlag, quietFlag, rootFlag } from '../cli/flags.js'
import { cellText, columnWidths, csvLine, jsonLine, ROW_FORMATS, TABLE_SAMPLE_ROWS, tableLine, type RowFormat } from '../cli/row-format.js'
import { formatCount, palette, printable, terminalText } from '../cli/style.js'
import type { DumpSummary, DumpValue } from '../lib/dump/index.js'

export default class Cat extends BufctlCommand {
  static override summary = 'Print the rows of a spill file, of a table’s backlog, or of an Arrow IPC input.'

  static override description = `Reads batch by batch in bounded memory, with the same checks recover uses, and changes nothing (no lock is taken). A table's backlog is printed in the order a drain reads it: pending files in sequence, then active.ipc. Timestamps are shown in RFC 3339 UTC at their stored precision (microseconds for the exporter's tables), JSON columns as they are, 64-bit integers exactly; bytes of invalid UTF-8 are shown as \\xNN and counted. A damaged file is printed up to its last complete batch, then bufctl says on stderr where and why it stopped and exits 1.

--format table (the default on a terminal) aligns columns, cutting long values; jsonl (the default otherwise) writes one JSON object per row; csv writes a header and RFC 4180 rows.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> /var/lib/otelcol/spill/otel_logs/pending-000004.ipc --limit 20',
    '<%= config.bin %> <%= command.id %> /var/lib/otelcol/spill otel_logs --tail 5 --columns time_unix_nano,attr_service_name,body',
    '<%= config.bin %> <%= command.id %> otel_logs --path ./crashed --format jsonl | jq -r .attr_service_name | sort | uniq -c',
    '<%= config.bin %> <%= command.id %> ./input.arrows --format csv > rows.csv',
  ]

  static override enableJsonFlag = false
  static override strict = false

  static override args = {
    target: Args.string({ description: 'A stream file, or the spill root (then the table follows).', required: true }),
    table: Args.string({ description: 'The table whose backlog to print, when the first argument is a spill root.' }),
  }

  static override flags = {
    path: rootFlag,
    format: Flags.string({ char: 'f', summary: 'Output format (default: table on a terminal, jsonl otherwise).', options: [...ROW_FORMATS] }),
    limit: Flags.integer({ char: 'n', summary: 'Print at most this many rows, from the start.', min: 0 }),
    tail: Flags.integer({ summary: 'Print only the last this many rows.', min: 0, exclusive: ['limit'] }),
    columns: Flags.string({ char: 'c', summary: 'Only these columns, in this order (comma-separated; repeatable).', multiple: true, multipleNonGreedy: true, delimiter: ',' }),
    'max-columns': maxColumnsFlag,
    json: Flags.boolean({ summary: 'Rows as JSON Lines (as --format jsonl), and a failure as one JSON document on stdout.', default: false, exclusive: ['format'] }),
    quiet: quietFlag,
  }

  /** cat's --json is its own (rows are JSON Lines, not one document), but failures take the one JSON shape too. */
  override jsonEnabled(): boolean {
    const end = this.argv.indexOf('--')
    return (end === -1 ? this.argv : this.argv.slice(0, end)).includes('--json')
  }

  /** Notes about the rows (where a file stopped, what was counted) go to stderr, with --json too: stdout holds only rows. */
  #stderr(line: string): void {
    process.stderr.write(`${terminalText(line)}\n`)
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Cat)
    // Every row is garbage a moment after it is written: ask V8 to collect it eagerly rather than
    // let the heap grow with the file (memory stays flat on gigabytes).
    setFlagsFromString('--optimize-for-size')
    const format = (flags.json ? 'jsonl' : (flags.format ?? (process.stdout.isTTY ? 'table' : 'jsonl'))) as RowFormat
    const columns = flags.columns?.flatMap((list) => list.split(',').map((name) => name.trim())).filter((name) => name !== '')
    const { dumpFiles, dumpRows } = await import('../lib/dump/index.js')
    const { files, named } = await dumpFiles([args.target, ...(args.table === undefined ? [] : [args.table])], flags.path)
    const output = new Output()
    const summary: { value?: DumpSummary } = {}
    let stopped = false
    const color = palette()
    const writer = new RowWriter(format, output)
    try {
      for await (const event of dumpRows(files, { named, columns, limit: flags.limit, tail: flags.tail, maxColumns: flags['max-columns'], signal: output.closed }, summary)) {
        if (event.kind === 'columns') await writer.columns(event.columns)
        else if (event.kind === 'rows') await writer.rows(event.rows)
        else {
          stopped = true
          await writer.flush()
          this.#stderr(`${color.yellow('stopped')} reading ${printable(event.file)} at byte ${event.offset}: ${event.reason}; the rows above are its complete batches`)
        }
      }
      await writer.flush()
    } catch (error) {
      // A reader that went away (`bufctl cat … | head`) is not a failure.
      if (output.closed.aborted) return
      throw error
    }
    if (stopped) this.setExitCode(EXIT_PARTIAL)
    if (flags.quiet || !summary.value) return
    const { rows, invalidUtf8 } = summary.value
    const repaired = Object.entries(invalidUtf8).map(([column, count]) => `${formatCount(count)} in ${column}`)
    this.#stderr(
      color.dim(`${formatCount(rows)} rows from ${files.length} file(s)${repaired.length ? `; values with invalid UTF-8 (shown as \\xNN): ${repaired.join(', ')}` : ''}`),
    )
  }
}

/** Standard output with back-pressure; `closed` fires when the reader goes away (EPIPE). */
class Output {
  readonly #controller = new AbortController()
  readonly closed = this.#controller.signal

  constructor() {
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.#controller.abort(error)
    })
  }

  async write(text: string): Promise<void> {
    if (this.closed.aborted) return
    if (!process.stdout.write(text)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          process.stdout.off('drain', done)
          this.closed.removeEventListener('abort', done)
          resolve()
        }
        process.stdout.on('drain', done)
        this.closed.addEventListener('abort', done)
      })
    }
  }
}

/** Rows in the chosen format; a table holds its first rows back to choose its column widths. */
class RowWriter {
  readonly #format: RowFormat
  readonly #output: Output
  #columns: readonly string[] = []
  #widths: number[] | undefined
  #sample: (readonly DumpValue[])[] = []

  constructor(format: RowFormat, output: Output) {
    this.#format = format
    this.#output = output
  }

  async columns(columns: readonly string[]): Promise<void> {
    await this.flush()
    this.#columns = columns
    this.#widths = undefined
    if (this.#format === 'csv') await this.#output.write(csvLine(columns))
  }

  async rows(rows: readonly (readonly DumpValue[])[]): Promise<void> {
    if (this.#format === 'jsonl') return this.#lines(rows, (row) => jsonLine(this.#columns, row))
    if (this.#format === 'csv') return this.#lines(rows, (row) => csvLine(row))
    if (this.#widths) return this.#lines(rows, (row) => this.#tableRow(row))
    this.#sample.push(...rows)
    if (this.#sample.length >= TABLE_SAMPLE_ROWS) await this.flush()
  }

  /** Writes what a table held back (its header and sample). */
  async flush(): Promise<void> {
    if (this.#format !== 'table' || this.#widths || this.#columns.length === 0) return
    this.#widths = columnWidths(this.#columns, this.#sample)
    const header = tableLine(this.#columns.map(printable), this.#widths)
    const rule = tableLine(
      this.#widths.map((width) => '─'.repeat(width)),
      this.#widths,
    )
    await this.#output.write(terminalText(header) + rule)
    await this.#lines(this.#sample, (row) => this.#tableRow(row))
    this.#sample = []
  }

  /**
   * Writes lines in pieces of about 64 KiB: a batch's text as one string would be a large object,
   * which V8 frees only in full collections, and memory would grow with the file.
   */
  async #lines(rows: readonly (readonly DumpValue[])[], line: (row: readonly DumpValue[]) => string): Promise<void> {
    let piece = ''
    for (const row of rows) {
      piece += line(row)
      if (piece.length >= 64 * 1024) {
        await this.#output.write(piece)
        piece = ''
      }
    }
    if (piece) await this.#output.write(piece)
  }

  #tableRow(row: readonly DumpValue[]): string {
    return terminalText(tableLine(row.map(cellText), this.#widths!))
  }
}
