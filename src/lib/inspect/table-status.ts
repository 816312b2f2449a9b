/**
 * What one table directory holds, judged as the exporter would meet it, from message metadata
 * (bodies only with `deep`) and without taking its lock: rows and files, damage, files that would
 * stop the exporter from opening the table, a stream being written, and whether the data has the
 * exporter's shape.
 */
import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { lockState, type LockState } from '../buffer/directory-lock.js'
import { DEFAULT_BYTES_PER_ROW } from '../buffer/signal-buffer.js'
import { exporterShapeDifference, isExporterTable, type ExporterTable, type FoundColumn } from '../format/exporter-schemas.js'
import { ACTIVE_FILE, HELD_PREFIX, JOURNAL_FILE, KEPT_LEDGER_FILE, QUARANTINE_DIR } from '../format/table-directory.js'
import type { StreamScan } from '../format/ipc-framing.js'
import { inspectTable, readSchemaMessage, streamFiles, type OddEntry, type StreamFileInspection } from '../format/table-scan.js'
import { openBufferFile } from '../fs-util.js'

export interface FileDamage {
  readonly file: string
  readonly offset: number
  readonly kind: 'torn' | 'corrupt'
  readonly reason: string
  readonly droppedBytes: number
}

/** A file the exporter cannot open: its open of the whole table fails until someone acts. */
export interface BlockingFile {
  readonly file: string
  readonly reason: string
}

export interface TableStatus {
  readonly table: string
  readonly directory: string
  /** Complete rows: active plus pending. */
  readonly rows: number
  readonly activeRows: number
  readonly activeBytes: number
  readonly pendingFiles: number
  readonly pendingBytes: number
  readonly oldestPendingAgeSeconds: number
  /** rows × the default 256 bytes per row (no flush has calibrated it here). */
  readonly estimatedSizeBytes: number
  /** Another process holds the table's lock. */
  readonly inUse: boolean
  readonly holderPid?: number
  /** `[name:type, ...]` of the newest stream, or null when no file has a schema. */
  readonly schema: string | null
  /** For the exporter's seven tables (null for others): whether the newest stream has the exporter's shape. */
  readonly exporterShape: ExporterShape | null
  /** Bytes after the complete-message prefix, over all files (a stream being written excluded). */
  readonly tornBytes: number
  readonly damage: readonly FileDamage[]
  /** Files that stop the exporter from opening this table (empty, cut inside their schema, unreadable). */
  readonly blockingFiles: readonly BlockingFile[]
  /** Valid Arrow that bufctl cannot write to Parquet: recover keeps these in quarantine/, flush refuses the table. */
  readonly unsupportedFiles: readonly BlockingFile[]
  /** The table is locked and its active stream ends inside a message: it is being written, not torn. */
  readonly beingWritten: boolean
  /** With `deep`: string values with invalid UTF-8 per column (kept, and written with U+FFFD by flush and recover). */
  readonly invalidUtf8: Readonly<Record<string, number>>
  /** Entries named like stream files that are not regular files (a directory, a FIFO, a link): skipped. */
  readonly oddEntries: readonly OddEntry[]
  readonly quarantinedFiles: number
  /**
   * A commit journal is present and nobody holds the lock: a flush or recover was interrupted. Its
   * drained files are held (hidden from the exporter) until `bufctl recover` finishes or undoes it.
   */
  readonly interruptedCommit: boolean
  /** A commit journal is present and another process holds the lock: a bufctl commit is running. */
  readonly commitInProgress: boolean
  /** The interrupted commit went to an Iceberg table: the catalog (URL) recover must be given to finish it, and the table. */
  readonly waitingOnCatalog?: { readonly catalog: string; readonly table: string }
  /** Pending files held by a commit (interrupted or running), hidden from the exporter meanwhile. */
  readonly heldFiles: number
  /** Pending files that a `recover --keep` already wrote: the next flush or recover removes them without writing again; the exporter would write them again. */
  readonly keptFiles: number
}

export interface ExporterShape {
  readonly matches: boolean
  /** The promoted-attribute columns (`attr_*`) of the stream. */
  readonly promoted: readonly string[]
  /** Where the stream first departs from the exporter's shape, when it does. */
  readonly difference?: string
}

export async function tableStatus(root: string, table: string, deep: boolean, maxColumns?: number): Promise<TableStatus> {
  // --deep decodes every batch where inspection found it: it keeps the scans inspection hands over.
  const scans = new Map<StreamFileInspection, StreamScan>()
  const inspection = await inspectTable(root, table, { maxColumns, onScan: deep ? (file, scan) => scans.set(file, scan) : undefined })
  const lock = await lockState(inspection.directory)
  const files = streamFiles(inspection)
  const damage: FileDamage[] = []
  const blockingFiles: BlockingFile[] = []
  const invalidUtf8: Record<string, number> = {}
  let beingWritten = false
  let rows = 0
  let activeRows = 0
  for (const file of files) {
    const writing = isBeingWritten(file, lock)
    beingWritten ||= writing
    const blocking = writing ? undefined : blockingReason(file)
    if (blocking) blockingFiles.push({ file: file.name, reason: blocking })
    const found: FileDamage[] = []
    const fileRows = deep && !file.unsupported ? await deepCheck(file, scans.get(file)!, found, invalidUtf8) : metadataCheck(file, found)
    // The exporter's own unfinished message is not damage.
    if (!writing) damage.push(...found)
    rows += fileRows
    if (file === inspection.active) activeRows = fileRows
  }
  const now = Date.now()
  const oldest = Math.min(...inspection.pending.map((file) => file.mtimeMs))
  const names = await readdir(inspection.directory)
  const columns = await newestColumns(files)
  return {
    table,
    directory: inspection.directory,
    rows,
    activeRows,
    activeBytes: inspection.active?.bytes ?? 0,
    pendingFiles: inspection.pending.length,
    pendingBytes: sum(inspection.pending, (file) => file.bytes),
    oldestPendingAgeSeconds: inspection.pending.length ? Math.max(0, Math.round((now - oldest) / 1000)) : 0,
    estimatedSizeBytes: rows * DEFAULT_BYTES_PER_ROW,
    inUse: lock.inUse,
    holderPid: lock.holderPid,
    schema: columns ? `[${columns.map((c) => `${c.name}:${c.type}${c.nullable ? '' : ' not null'}`).join(', ')}]` : null,
    exporterShape: columns && isExporterTable(table) ? shapeOf(table, columns) : null,
    tornBytes: sum(damage, (d) => d.droppedBytes),
    damage,
    blockingFiles,
    unsupportedFiles: files.flatMap((file) => (file.unsupported ? [{ file: file.name, reason: file.unsupported.reason }] : [])),
    beingWritten,
    invalidUtf8,
    oddEntries: inspection.odd,
    quarantinedFiles: await countQuarantined(inspection.directory, names),
    interruptedCommit: names.includes(JOURNAL_FILE) && !lock.inUse,
    commitInProgress: names.includes(JOURNAL_FILE) && lock.inUse,
    waitingOnCatalog: names.includes(JOURNAL_FILE) && !lock.inUse ? await journalCatalog(inspection.directory, table) : undefined,
    heldFiles: names.filter((name) => name.startsWith(HELD_PREFIX)).length,
    keptFiles: names.includes(KEPT_LEDGER_FILE) ? await countKept(inspection.directory, table) : 0,
  }
}

/** The exporter holds the lock and its active stream ends inside a message (or its schema): it is writing. */
function isBeingWritten(file: StreamFileInspection, lock: LockState): boolean {
  return lock.inUse && file.name === ACTIVE_FILE && (file.bytes === 0 || file.damage?.kind === 'torn')
}

/**
 * Why the exporter's open of the table would fail on this file: its IPC reader needs a schema
 * message first. A torn tail after the schema is tolerated (the prefix is kept).
 */
function blockingReason(file: StreamFileInspection): string | undefined {
  if (file.schemaEnd !== undefined) return undefined
  if (file.bytes === 0) return 'empty file (0 bytes)'
  if (file.damage?.kind === 'torn') return `cut inside its schema message (${file.damage.reason})`
  return `no readable schema message (${file.damage?.reason ?? 'unknown'})`
}

function metadataCheck(file: StreamFileInspection, damage: FileDamage[]): number {
  if (file.damage) damage.push({ file: file.name, ...file.damage, droppedBytes: file.droppedBytes })
  return file.rows
}

/** Decodes every batch, one at a time: damage inside a body that framing cannot see, and invalid UTF-8, show up here. */
async function deepCheck(file: StreamFileInspection, scan: StreamScan, damage: FileDamage[], invalidUtf8: Record<string, number>): Promise<number> {
  const { BatchDecodeError, checkedColumns, fileRangeReader } = await import('../format/stream-batches.js')
  const { invalidUtf8: countInvalid } = await import('../format/utf8-repair.js')
  const handle = await openBufferFile(file.path)
  let rows = 0
  let validEnd = scan.messages[0]?.end ?? 0
  try {
    for await (const { frame, columns } of checkedColumns(fileRangeReader(handle, { reuse: true }), scan)) {
      for (const [column, count] of countInvalid(columns)) invalidUtf8[column] = (invalidUtf8[column] ?? 0) + count
      rows += frame.rows
      validEnd = frame.end
    }
    if (file.damage) damage.push({ file: file.name, ...file.damage, droppedBytes: file.droppedBytes })
  } catch (error) {
    if (!(error instanceof BatchDecodeError)) throw error
    damage.push({ file: file.name, offset: error.offset, kind: 'corrupt', reason: error.message, droppedBytes: file.bytes - validEnd })
  } finally {
    await handle.close()
  }
  return rows
}

/** The newest file's columns, decoded from its schema message alone. */
async function newestColumns(files: readonly StreamFileInspection[]): Promise<FoundColumn[] | undefined> {
  const newest = [...files].reverse().find((file) => file.schemaEnd !== undefined)
  const bytes = newest && (await readSchemaMessage(newest))
  if (!bytes) return undefined
  const { schemaColumns } = await import('../format/schema-summary.js')
  const columns = schemaColumns(bytes)
  if (columns) return columns
  // A type the flatbuffer reading does not cover: let apache-arrow spell it.
  const { decodeSchema } = await import('../format/batch-codec.js')
  return decodeSchema(bytes)?.fields.map((field) => ({ name: field.name, type: String(field.type), nullable: field.nullable }))
}

function shapeOf(table: ExporterTable, columns: readonly FoundColumn[]): ExporterShape {
  const difference = exporterShapeDifference(table, columns)
  const promoted = columns.filter((column) => column.name.startsWith('attr_')).map((column) => column.name)
  if (!difference) return { matches: true, promoted }
  return { matches: false, promoted, difference: `column ${difference.index + 1}: the exporter writes ${difference.expected}, this stream has ${difference.found}` }
}

async function countQuarantined(directory: string, names: readonly string[]): Promise<number> {
  if (!names.includes(QUARANTINE_DIR)) return 0
  const { REASON_SUFFIX } = await import('../buffer/quarantine.js')
  // Counted only in a plain directory: a quarantine/ that is a link leads outside the spill root.
  if (!(await lstat(join(directory, QUARANTINE_DIR)).catch(() => undefined))?.isDirectory()) return 0
  const entries = await readdir(join(directory, QUARANTINE_DIR)).catch(() => [])
  return entries.filter((name) => !name.endsWith(REASON_SUFFIX)).length
}

/** Files a --keep run wrote and left, per the kept ledger (which status only reads). */
/** The Iceberg catalog and table an interrupted commit's journal names, if it names one. */
async function journalCatalog(directory: string, table: string): Promise<TableStatus['waitingOnCatalog']> {
  const { readJournal } = await import('../replay/commit-journal.js')
  const iceberg = (await readJournal(directory, table).catch(() => undefined))?.iceberg
  return iceberg && { catalog: iceberg.catalog, table: [...iceberg.namespace, iceberg.table].join('.') }
}

async function countKept(directory: string, table: string): Promise<number> {
  const { readKeptLedger } = await import('../replay/kept-ledger.js')
  const ledger = await readKeptLedger(directory, table).catch(() => undefined)
  return ledger?.kept.reduce((sum, commit) => sum + commit.files.length, 0) ?? 0
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0)
}
