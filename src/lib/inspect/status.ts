/**
 * status: what each table directory of a spill root holds, from message metadata only (bodies are
 * skipped unless `deep`), without taking any lock — safe while the exporter writes.
 */
import { open, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { lockState } from '../buffer/directory-lock.js'
import { DEFAULT_BYTES_PER_ROW } from '../buffer/signal-buffer.js'
import { JOURNAL_FILE, QUARANTINE_DIR, tableDirectoryName } from '../format/table-directory.js'
import { inspectTable, listTables, readSchemaMessage, streamFiles, type StreamFileInspection } from '../format/table-scan.js'

export interface StatusThresholds {
  /** Age of the oldest pending file, in seconds. */
  readonly maxAgeSeconds?: number
  readonly maxPendingBytes?: number
  readonly maxRows?: number
}

export interface StatusOptions {
  readonly root: string
  readonly tables?: readonly string[]
  /** Decode every batch, not only the metadata, to find damage inside bodies. @default false */
  readonly deep?: boolean
  readonly thresholds?: StatusThresholds
}

export interface FileDamage {
  readonly file: string
  readonly offset: number
  readonly kind: 'torn' | 'corrupt'
  readonly reason: string
  readonly droppedBytes: number
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
  /** Bytes after the complete-message prefix, over all files. */
  readonly tornBytes: number
  readonly damage: readonly FileDamage[]
  readonly quarantinedFiles: number
  /** A commit journal is present: a flush or recover was interrupted and will be finished by the next run. */
  readonly interruptedCommit: boolean
}

export interface ThresholdBreach {
  readonly table: string
  readonly threshold: 'max-age' | 'max-pending-bytes' | 'max-rows'
  readonly value: number
  readonly limit: number
}

export interface StatusReport {
  readonly root: string
  readonly deep: boolean
  readonly tables: readonly TableStatus[]
  readonly totals: { readonly rows: number; readonly pendingFiles: number; readonly pendingBytes: number; readonly tornBytes: number }
  readonly exceeded: readonly ThresholdBreach[]
}

export async function status(options: StatusOptions): Promise<StatusReport> {
  const available = await listTables(options.root)
  const tables = options.tables?.length ? options.tables.map(tableDirectoryName).filter((t) => available.includes(t)) : available
  const statuses: TableStatus[] = []
  for (const table of tables) statuses.push(await tableStatus(options.root, table, options.deep ?? false))
  return {
    root: options.root,
    deep: options.deep ?? false,
    tables: statuses,
    totals: {
      rows: sum(statuses, (s) => s.rows),
      pendingFiles: sum(statuses, (s) => s.pendingFiles),
      pendingBytes: sum(statuses, (s) => s.pendingBytes),
      tornBytes: sum(statuses, (s) => s.tornBytes),
    },
    exceeded: statuses.flatMap((s) => breaches(s, options.thresholds ?? {})),
  }
}

async function tableStatus(root: string, table: string, deep: boolean): Promise<TableStatus> {
  const inspection = await inspectTable(root, table)
  const files = streamFiles(inspection)
  const damage: FileDamage[] = []
  let rows = 0
  let activeRows = 0
  for (const file of files) {
    const fileRows = deep ? await deepCheck(file, damage) : metadataCheck(file, damage)
    rows += fileRows
    if (file === inspection.active) activeRows = fileRows
  }
  const now = Date.now()
  const oldest = Math.min(...inspection.pending.map((file) => file.mtimeMs))
  const lock = await lockState(inspection.directory)
  const names = await readdir(inspection.directory)
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
    schema: await schemaSummary(files),
    tornBytes: sum(damage, (d) => d.droppedBytes),
    damage,
    quarantinedFiles: names.includes(QUARANTINE_DIR) ? (await readdir(join(inspection.directory, QUARANTINE_DIR))).length : 0,
    interruptedCommit: names.includes(JOURNAL_FILE),
  }
}

function metadataCheck(file: StreamFileInspection, damage: FileDamage[]): number {
  if (file.damage) damage.push({ file: file.name, ...file.damage, droppedBytes: file.droppedBytes })
  return file.rows
}

/** Decodes every batch, one at a time: damage inside a body that framing cannot see shows up here. */
async function deepCheck(file: StreamFileInspection, damage: FileDamage[]): Promise<number> {
  const { fileRangeReader, salvageBatches } = await import('../format/stream-batches.js')
  const handle = await open(file.path, 'r')
  try {
    const salvage = await salvageBatches(fileRangeReader(handle, { reuse: true }), file.scan, { keep: false })
    if (salvage.damage) {
      const kind = salvage.damage === file.scan.damage ? file.scan.damage.kind : 'corrupt'
      damage.push({ file: file.name, offset: salvage.damage.offset, kind, reason: salvage.damage.reason, droppedBytes: file.bytes - salvage.validEnd })
    }
    return salvage.rows
  } finally {
    await handle.close()
  }
}

/** The newest file's schema, decoded from its schema message alone. */
async function schemaSummary(files: readonly StreamFileInspection[]): Promise<string | null> {
  const newest = [...files].reverse().find((file) => file.schemaEnd !== undefined)
  const bytes = newest && (await readSchemaMessage(newest))
  if (!bytes) return null
  const { summarizeSchemaMessage } = await import('../format/schema-summary.js')
  const summary = summarizeSchemaMessage(bytes)
  if (summary) return summary
  // A type the flatbuffer reading does not cover: let apache-arrow spell it.
  const { decodeSchema, fieldList } = await import('../format/batch-codec.js')
  const schema = decodeSchema(bytes)
  return schema ? fieldList(schema) : null
}

function breaches(table: TableStatus, thresholds: StatusThresholds): ThresholdBreach[] {
  const found: ThresholdBreach[] = []
  const check = (threshold: ThresholdBreach['threshold'], value: number, limit: number | undefined) => {
    if (limit !== undefined && value > limit) found.push({ table: table.table, threshold, value, limit })
  }
  check('max-age', table.oldestPendingAgeSeconds, thresholds.maxAgeSeconds)
  check('max-pending-bytes', table.pendingBytes, thresholds.maxPendingBytes)
  check('max-rows', table.rows, thresholds.maxRows)
  return found
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0)
}
