/**
 * The rows of stream files, for `bufctl cat`: a spill file, a table's backlog (pending files in
 * order, then the active one) or an `.arrows` input, batch by batch in bounded memory, through the
 * same framing and checked decoding that recover uses, values rendered faithfully (value-text)
 * and invalid UTF-8 counted per column.
 * A file is read up to its first damage; the dump then says where and why it stopped.
 */
import { constants } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import type { Data, DataType, RecordBatch, Schema } from 'apache-arrow'
import { columnValues, type DumpValue } from './value-text.js'

export type { DumpValue }
import { InputNotFoundError, InvalidOptionsError, NotArrowError, UnsupportedTypeError } from '../usage-errors.js'
import { detectFormat, fileFooterStart, notArrowReason, scanStream, type StreamScan } from '../format/ipc-framing.js'
import { unsupportedIn } from '../format/type-support.js'
import { fileSource, limitSource, type ByteSource } from '../format/byte-source.js'
import { BatchDecodeError, checkedBatches, fileRangeReader } from '../format/stream-batches.js'
import { drainOrder, inspectTable } from '../format/table-scan.js'
import { openSpillRoot, selectTables } from '../format/spill-root.js'

export interface DumpOptions {
  /**
   * `file`: the files were named as inputs, so one that is not Arrow at all is refused
   * (NotArrowError); `table`: they are a table's backlog, where such a file is damage to report.
   * @default 'table'
   */
  readonly named?: 'file' | 'table'
  /** Columns (at any depth) a schema may have before its file is refused as too wide. @default DEFAULT_MAX_COLUMNS */
  readonly maxColumns?: number
  /** Only these columns, in this order. @default every column */
  readonly columns?: readonly string[]
  /** At most this many rows (from the start). */
  readonly limit?: number
  /** Only the last this many rows. */
  readonly tail?: number
  readonly signal?: AbortSignal
}

export type DumpEvent =
  /** A new schema begins (the first file, or a file whose columns differ). */
  | { readonly kind: 'columns'; readonly file: string; readonly columns: readonly string[] }
  | { readonly kind: 'rows'; readonly file: string; readonly rows: readonly DumpValue[][] }
  /** A file's rows ended before its end: damage, or something that is not an Arrow stream. */
  | { readonly kind: 'stopped'; readonly file: string; readonly offset: number; readonly reason: string }

export interface DumpSummary {
  readonly files: number
  readonly rows: number
  /** Values with invalid UTF-8 per column (shown with `\xNN` escapes). */
  readonly invalidUtf8: Readonly<Record<string, number>>
}

/** The stream files of a table in the order a drain reads them: pending files in sequence, then the active one. */
export async function tableFiles(root: string, table: string): Promise<string[]> {
  const [directory] = selectTables(await openSpillRoot(root), [table])
  return drainOrder(await inspectTable(root, directory!)).map((file) => file.path)
}

/**
 * Yields the rows of `files`, in order. `summary` is filled in as it goes (read it after the
 * iteration ends). With `tail`, rows are held back until the last file is read (at most `tail`).
 */
export async function* dumpRows(files: readonly string[], options: DumpOptions, summary: { value?: DumpSummary } = {}): AsyncGenerator<DumpEvent> {
  if (options.limit !== undefined && options.tail !== undefined) throw new InvalidOptionsError('--tail', '--limit and --tail cannot be combined')
  const counts = new Map<string, number>()
  let rows = 0
  let previousColumns: string | undefined
  const held: { file: string; row: DumpValue[] }[] = []
  let lastColumns: DumpEvent | undefined
  for (const file of files) {
    for await (const event of fileRows(file, options, counts)) {
      if (event.kind === 'columns') {
        const key = event.columns.join('\0')
        if (key === previousColumns) continue
        previousColumns = key
        if (options.tail !== undefined) {
          // A change of columns cuts the tail: only rows of the last schema are shown.
          held.length = 0
          lastColumns = event
          continue
        }
        yield event
        continue
      }
      if (event.kind === 'stopped') {
        yield event
        continue
      }
      if (options.tail !== undefined) {
        for (const row of event.rows) held.push({ file, row })
        if (held.length > options.tail) held.splice(0, held.length - options.tail)
        continue
      }
      const room = options.limit === undefined ? event.rows.length : Math.max(0, options.limit - rows)
      const shown = event.rows.slice(0, room)
      rows += shown.length
      if (shown.length) yield { kind: 'rows', file, rows: shown }
      if (options.limit !== undefined && rows >= options.limit) {
        summary.value = { files: files.length, rows, invalidUtf8: Object.fromEntries(counts) }
        return
      }
    }
  }
  if (options.tail !== undefined && lastColumns) {
    yield lastColumns
    if (held.length) yield { kind: 'rows', file: held.at(-1)!.file, rows: held.map((entry) => entry.row) }
    rows = held.length
  }
  summary.value = { files: files.length, rows, invalidUtf8: Object.fromEntries(counts) }
}

async function* fileRows(path: string, options: DumpOptions, counts: Map<string, number>): AsyncGenerator<DumpEvent> {
  let handle
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (error) {
    throw new InputNotFoundError(path, (error as Error).message)
  }
  try {
    const info = await handle.stat()
    if (!info.isFile()) throw new InputNotFoundError(path, 'not a regular file')
    const source = fileSource(handle, info.size)
    const head = await source.read(0, 8)
    const format = detectFormat(head)
    if (format === 'unknown') {
      if (options.named === 'file') throw new NotArrowError(path, notArrowReason(head))
      yield { kind: 'stopped', file: path, offset: 0, reason: `not an Arrow IPC stream or file: ${notArrowReason(head)}` }
      return
    }
    const stream = format === 'file' ? await fileFormatStream(source) : { source, start: 0 }
    if ('reason' in stream) {
      yield { kind: 'stopped', file: path, offset: 0, reason: stream.reason }
      return
    }
    const scan = await scanStream(stream.source, stream.start)
    await refuseTooWide(path, stream.source, scan, options.maxColumns)
    let select: number[] | undefined
    try {
      for await (const { batch } of checkedBatches(fileRangeReader(handle, { reuse: true }), scan)) {
        options.signal?.throwIfAborted()
        if (!select) {
          select = selectColumns(batch.schema, options.columns, path)
          yield { kind: 'columns', file: path, columns: select.map((index) => batch.schema.fields[index]!.name) }
        }
        yield { kind: 'rows', file: path, rows: batchRows(batch, select, counts) }
      }
    } catch (error) {
      if (!(error instanceof BatchDecodeError)) throw error
      yield { kind: 'stopped', file: path, offset: error.offset, reason: error.message }
      return
    }
    if (scan.damage) yield { kind: 'stopped', file: path, offset: scan.damage.offset, reason: scan.damage.reason }
  } finally {
    await handle.close()
  }
}

/** A schema too wide or too deep to print in reasonable time (as recover caps it) is refused before any batch is read. */
async function refuseTooWide(path: string, source: ByteSource, scan: StreamScan, maxColumns: number | undefined): Promise<void> {
  const schema = scan.messages[0]
  if (schema?.kind !== 'schema') return
  const unsupported = unsupportedIn(await source.read(schema.offset, schema.end - schema.offset), maxColumns)
  if (unsupported && (unsupported.type === 'schema' || unsupported.type === 'nesting')) throw new UnsupportedTypeError(path, unsupported.reason)
}

/** The stream inside an IPC file: between the magic and the footer. */
async function fileFormatStream(source: ByteSource): Promise<{ source: ByteSource; start: number } | { reason: string }> {
  const footerStart = await fileFooterStart(source)
  if (footerStart === undefined) return { reason: 'an Arrow IPC file without its closing magic or footer (torn or truncated)' }
  return { source: limitSource(source, footerStart), start: 8 }
}

function selectColumns(schema: Schema, wanted: readonly string[] | undefined, path: string): number[] {
  const names = schema.fields.map((field) => field.name)
  if (!wanted?.length) return names.map((_, index) => index)
  return wanted.map((name) => {
    const index = names.indexOf(name)
    if (index < 0) throw new InvalidOptionsError('--columns', `${path} has no column ${name} (columns: ${names.join(', ')})`)
    return index
  })
}

function batchRows(batch: RecordBatch, select: readonly number[], counts: Map<string, number>): DumpValue[][] {
  const columns = select.map((index) => {
    const field = batch.schema.fields[index]!
    const values = columnValues(batch.getChildAt(index)!.data as Data[], field.type as DataType)
    if (values.invalid) counts.set(field.name, (counts.get(field.name) ?? 0) + values.invalid)
    return values.values
  })
  return Array.from({ length: batch.numRows }, (_, row) => columns.map((column) => column[row]!))
}

/**
 * The files `bufctl cat` reads: `[file]` is a stream file (a spill file or an input), `[root, table]`
 * or `[table]` with `root` a table's backlog in drain order. `named` says which it was.
 */
export async function dumpFiles(args: readonly string[], root?: string): Promise<{ readonly files: string[]; readonly named: 'file' | 'table' }> {
  const [first, second] = args
  if (first === undefined) throw new InvalidOptionsError('file', 'name a stream file, or a spill root and a table')
  if (second !== undefined) return { files: await tableFiles(first, second), named: 'table' }
  const info = await stat(first).catch(() => undefined)
  if (info?.isFile()) return { files: [first], named: 'file' }
  if (root && !info) return { files: await tableFiles(root, first), named: 'table' }
  if (info?.isDirectory()) throw new InvalidOptionsError('file', `${first} is a directory: name a file in it, or give the spill root and a table (bufctl cat ROOT TABLE)`)
  if (info) {
    const what = info.isFIFO() ? 'a FIFO' : info.isSocket() ? 'a socket' : 'a device'
    throw new InputNotFoundError(first, `${what}, not a regular file`, 'bufctl cat reads files in place: save the stream to a file first (for example with cat > file.arrows)')
  }
  throw new InputNotFoundError(first, 'no such file', 'check the path; to read a table, give the spill root too: bufctl cat ROOT TABLE (or --path ROOT TABLE)')
}
