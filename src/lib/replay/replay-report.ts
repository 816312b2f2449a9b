/** What flush and recover report, per table and for the run: the JSON document of both commands. */
import type { ErrorNote } from '../usage-errors.js'
import type { IgnoredEntry } from '../format/spill-root.js'
import type { OddEntry } from '../format/table-scan.js'
import type { WrittenOutput } from '../sink/output-sink.js'
import type { ResolvedCommit } from './journal-resolution.js'
import type { IcebergNote } from './table-destination.js'

export { describeError, type ErrorNote } from '../usage-errors.js'

export type ReplayMode = 'flush' | 'recover'

export interface SalvageNote {
  readonly file: string
  /** Complete rows kept from the file. */
  readonly rows: number
  readonly droppedBytes: number
  readonly reason: string
}

export interface QuarantineNote {
  readonly file: string
  /** Where the file went; absent in a dry run. */
  readonly movedTo?: string
  readonly reason: string
}

export interface TableReplayReport {
  readonly table: string
  readonly directory: string
  /**
   * done: written (or would be, dry run); empty: nothing to write; in-use: locked elsewhere;
   * failed: left untouched; interrupted: a signal stopped it and its commit was undone;
   * not-started: a signal stopped the run before this table.
   */
  readonly status: 'done' | 'empty' | 'in-use' | 'failed' | 'interrupted' | 'not-started'
  readonly rows: number
  /** Pending files the drain covered (after an orphaned active file was promoted). */
  readonly files: readonly string[]
  readonly outputs: readonly WrittenOutput[]
  readonly parquetBytes: number
  readonly salvaged: readonly SalvageNote[]
  readonly quarantined: readonly QuarantineNote[]
  /** Entries named like stream files that are not regular files (a FIFO, a directory, a socket, a link): never read, left where they are. */
  readonly skipped: readonly OddEntry[]
  /** String values with invalid UTF-8, per column: kept, and written with U+FFFD in place of each invalid sequence. */
  readonly repairedUtf8: Readonly<Record<string, number>>
  /** What was done with commits earlier runs left: one a crash interrupted, and commits kept by --keep. */
  readonly earlierCommits: readonly ResolvedCommit[]
  readonly holderPid?: number
  /** The drain's parts (commit-parts): how many were committed, of how many. A run stopped between parts keeps the committed ones. */
  readonly parts?: { readonly committed: number; readonly total: number }
  /** The Iceberg table the drain went to (or would go to, in a dry run). */
  readonly iceberg?: IcebergNote
  readonly error?: ErrorNote
}

export interface ReplayReport {
  readonly mode: ReplayMode
  readonly root: string
  readonly out?: string
  /** The Iceberg catalog and namespace the run commits to (instead of `out`). */
  readonly iceberg?: { readonly catalog: string; readonly namespace: string }
  readonly dryRun: boolean
  readonly keep: boolean
  readonly rows: number
  readonly outputs: number
  readonly tables: readonly TableReplayReport[]
  readonly failed: readonly string[]
  readonly inUse: readonly string[]
  /** Entries of the spill root that are not table directories (links, names that are not UTF-8). */
  readonly ignored: readonly IgnoredEntry[]
  /** The signal that stopped the run at a safe point, if one did. */
  readonly interrupted?: string
  /** The spill root does not exist (yet): nothing to do. */
  readonly rootMissing?: boolean
}

/** A table's report while it is being filled in. */
export type TableReplayDraft = { -readonly [K in keyof TableReplayReport]: TableReplayReport[K] } & {
  outputs: WrittenOutput[]
  salvaged: SalvageNote[]
  quarantined: QuarantineNote[]
  skipped: OddEntry[]
}

export function emptyTableReport(table: string, directory: string): TableReplayDraft {
  return { table, directory, status: 'empty', rows: 0, files: [], outputs: [], parquetBytes: 0, salvaged: [], quarantined: [], skipped: [], repairedUtf8: {}, earlierCommits: [] }
}
