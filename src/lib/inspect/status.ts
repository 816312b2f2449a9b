/**
 * status: what each table directory of a spill root holds, from message metadata only (bodies are
 * skipped unless `deep`), without taking any lock — safe while the exporter writes.
 */
import { openSpillRoot, selectTables, type IgnoredEntry } from '../format/spill-root.js'
import { join } from 'node:path'
import { describeError, type ErrorNote } from '../usage-errors.js'
import { tableStatus, type TableStatus } from './table-status.js'

export type { BlockingFile, ExporterShape, FileDamage, TableStatus } from './table-status.js'

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
  /** Columns a schema may have before its file is called unsupported. @default 10,000 */
  readonly maxColumns?: number
  readonly thresholds?: StatusThresholds
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
  /** Tables with a file that stops the exporter from opening them. */
  readonly blocked: readonly string[]
  /** Tables with a commit a crash interrupted (their held files are hidden from the exporter until bufctl recover runs). */
  readonly interrupted: readonly string[]
  /** Entries of the spill root that are not table directories. */
  readonly ignored: readonly IgnoredEntry[]
  /** Tables that could not be inspected (a directory bufctl may not read, say): the others are reported all the same. */
  readonly unreadable: readonly UnreadableTable[]
}

export interface UnreadableTable {
  readonly table: string
  readonly error: ErrorNote
}

export async function status(options: StatusOptions): Promise<StatusReport> {
  const spill = await openSpillRoot(options.root)
  const tables = selectTables(spill, options.tables)
  const statuses: TableStatus[] = []
  const unreadable: UnreadableTable[] = []
  for (const table of tables) {
    try {
      statuses.push(await tableStatus(options.root, table, options.deep ?? false, options.maxColumns))
    } catch (error) {
      // One table that cannot be read is that table's problem: the others are still reported.
      unreadable.push({ table, error: describeError(error, join(options.root, table)) })
    }
  }
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
    blocked: statuses.filter((s) => s.blockingFiles.length > 0).map((s) => s.table),
    interrupted: statuses.filter((s) => s.interruptedCommit).map((s) => s.table),
    ignored: spill.ignored,
    unreadable,
  }
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
