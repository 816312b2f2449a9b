/**
 * flush or recover of one table directory, under its lock: finish or undo a commit a crash left
 * behind, judge the files (flush refuses damage; recover quarantines what has no complete batch),
 * open the store (which promotes an orphaned active file), and commit its drain exactly once.
 */
import { DiskStore } from '../buffer/disk-store.js'
import type { FileDrain, PendingFile } from '../buffer/record-store.js'
import type { KeptCommit } from './kept-ledger.js'
import type { DirectoryLock } from '../buffer/directory-lock.js'
import { inspectTable, streamFiles, type StreamFileInspection } from '../format/table-scan.js'
import { ACTIVE_FILE } from '../format/table-directory.js'
import type { StreamScan } from '../format/ipc-framing.js'
import type { Compression } from '../options/output-options.js'
import type { ProgressListener } from './progress.js'
import type { OutputSinks } from '../sink/open-sink.js'
import type { OutputSink } from '../sink/output-sink.js'
import type { Granularity } from '../sink/partitioning.js'
import { resolveEarlierCommits } from './journal-resolution.js'
import { commitDrain, encoders, type DrainCommitResult } from './drain-commit.js'
import { commitParts, partBytes, partCutter } from './commit-parts.js'
import { DEFAULT_TARGET_FILE_BYTES, sumCounts } from './drain-plan.js'
import { classify, describeSetAside, refuseDamage } from './file-verdict.js'
import { moveToQuarantine } from '../buffer/quarantine.js'
import { UnwritableDataError } from '../errors.js'
import type { RunCatalogs } from '../iceberg/index.js'
import type { Destination } from './destination.js'
import { tableDestination } from './table-destination.js'
import type { ReplayMode, TableReplayDraft } from './replay-report.js'
import type { EncoderThreads } from '../parquet/encoder-threads.js'

export interface TableDrainOptions {
  readonly mode: ReplayMode
  readonly root: string
  /** The run's output root (absent when the run commits to an Iceberg table). */
  readonly sink?: OutputSink
  /** The run's sinks, for the output roots earlier commits name. */
  readonly sinks: OutputSinks
  /** The run's Iceberg catalog: drains are committed to its tables (and interrupted commits to it finished). */
  readonly catalogs?: RunCatalogs
  readonly keep?: boolean
  readonly compression?: Compression
  readonly granularity?: Granularity
  readonly partitionBy?: string
  readonly targetFileBytes?: number
  readonly concurrency?: number
  /** The run's encoder threads: every part and table of a run encodes on the same ones. */
  readonly encoderThreads?: EncoderThreads
  readonly progress?: ProgressListener
  /** Stops at the next safe point (between tables, or by undoing a commit that is not yet durable). */
  readonly signal?: AbortSignal
  /** Columns a schema may have before its file is refused as unsupported. @default DEFAULT_MAX_COLUMNS */
  readonly maxColumns?: number
}

export async function drainTable(report: TableReplayDraft, lock: DirectoryLock, options: TableDrainOptions): Promise<void> {
  const { directory } = report
  const earlier = await resolveEarlierCommits(directory, report.table, { keep: options.keep, sinks: options.sinks, catalogs: options.catalogs })
  report.earlierCommits = earlier.commits

  const bytesPerPart = partBytes(options.targetFileBytes ?? DEFAULT_TARGET_FILE_BYTES, encoders(options.concurrency))
  const { store, destination, scans } = await openTable(report, lock, options, bytesPerPart)
  try {
    const drain = withoutKept(await store.drainFiles(), earlier.kept)
    report.files = drain.files.map((file) => file.name)
    const parts = commitParts(drain.files, bytesPerPart)
    report.parts = { committed: 0, total: parts.length }
    let kept = earlier.kept
    const progress = partProgress(options.progress, drain.rows)
    for (const part of parts) {
      // Between parts is a safe point: what is committed stays, the rest is left as it was.
      if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new Error('stopped')
      const result = await commitPart(report, directory, part, { ...options, destination, progress: progress.listener, alreadyKept: kept, scans })
      // A committed part's scans (the first part's, see firstPartScans) are not needed again.
      for (const file of part) scans.delete(file.name)
      if (result.snapshot) report.iceberg?.snapshots.push(result.snapshot)
      progress.finish(result.rows)
      kept = result.kept ? [...kept, result.kept] : kept
      report.parts = { ...report.parts, committed: report.parts.committed + 1 }
    }
    report.status = report.rows > 0 ? 'done' : 'empty'
    drain.forget()
  } finally {
    await store.close()
  }
}

/**
 * Inspects the table, sets aside (recover) or refuses (flush) the files that cannot be drained,
 * binds the destination and opens the store. Of the inspection only the first part's scans are
 * kept, for planning to reuse.
 */
async function openTable(
  report: TableReplayDraft,
  lock: DirectoryLock,
  options: TableDrainOptions,
  bytesPerPart: number,
): Promise<{ readonly store: DiskStore; readonly destination: Destination; readonly scans: Map<string, StreamScan> }> {
  const { directory } = report
  const scans = firstPartScans(bytesPerPart)
  const inspection = await inspectTable(options.root, report.table, { maxColumns: options.maxColumns, onScan: scans.keep })
  const files = streamFiles(inspection)
  report.skipped.push(...inspection.odd)
  if (options.mode === 'flush') refuseDamage(files)
  else {
    for (const file of files) {
      if (!['unreadable', 'unsupported'].includes(classify(file))) continue
      const movedTo = await moveToQuarantine(directory, file.name, describeSetAside(file))
      report.quarantined.push({ file: file.name, movedTo, reason: describeSetAside(file) })
    }
  }
  // What is left after quarantine, as just inspected: the store need not scan it again.
  const moved = new Set(report.quarantined.map((note) => note.file))
  const remaining = {
    ...inspection,
    active: inspection.active && !moved.has(inspection.active.name) ? inspection.active : undefined,
    pending: inspection.pending.filter((file) => !moved.has(file.name)),
  }

  // Bound before any file is touched: a table that cannot take these files refuses them as they are.
  const { destination, iceberg } = await tableDestination(report.table, directory, [...remaining.pending, ...(remaining.active ? [remaining.active] : [])], options)
  report.iceberg = iceberg
  const store = await DiskStore.adopt(directory, lock, { damage: 'salvage' }, remaining)
  for (const name of moved) scans.kept.delete(name)
  return { store, destination, scans: scans.kept }
}

/**
 * The scans planning reuses: the first part's pending files', cut by commitParts' rule (their names
 * hold under the lock; an orphaned active file takes a new one). Later parts are planned after the
 * first is committed, and scanning a small file again from the bytes planning reads anyway costs
 * less than holding every scan from inspection to the last part (50,000 scans: 24 MiB). Inspection
 * does not know the drain's size yet: a small remainder that joins the first part is scanned
 * again too.
 */
function firstPartScans(bytesPerPart: number): { readonly kept: Map<string, StreamScan>; readonly keep: (file: StreamFileInspection, scan: StreamScan) => void } {
  const kept = new Map<string, StreamScan>()
  const opensPart = partCutter(bytesPerPart)
  let parts = 0
  return {
    kept,
    keep: (file, scan) => {
      if (file.name === ACTIVE_FILE || parts > 1) return
      if (opensPart(file.bytes)) parts++
      if (parts === 1) kept.set(file.name, scan)
    },
  }
}

/** Commits one part, setting aside (recover) the files whose rows the Parquet writer cannot take, and adds what it did to the report. */
async function commitPart(
  report: TableReplayDraft,
  directory: string,
  files: readonly PendingFile[],
  options: TableDrainOptions & { readonly destination: Destination; readonly alreadyKept: readonly KeptCommit[]; readonly scans: ReadonlyMap<string, StreamScan> },
): Promise<DrainCommitResult> {
  const damage = options.mode === 'flush' ? 'strict' : 'salvage'
  let part = files
  // Each round sets at least one file aside, so this ends; flush refuses the table instead.
  for (;;) {
    try {
      const rows = part.reduce((sum, file) => sum + file.rows, 0)
      const result = await commitDrain(directory, { files: part, rows, commit: () => Promise.resolve(), forget: () => undefined }, { ...options, table: report.table, damage })
      for (const file of result.damaged) report.salvaged.push({ file: file.name, rows: file.rows, droppedBytes: file.droppedBytes, reason: file.damage!.reason })
      report.rows += result.rows
      report.repairedUtf8 = sumCounts([report.repairedUtf8, result.repairedUtf8])
      report.outputs.push(...result.outputs)
      report.parquetBytes += result.outputs.reduce((sum, output) => sum + output.bytes, 0)
      return result
    } catch (error) {
      if (!(error instanceof UnwritableDataError) || options.mode === 'flush' || error.files.length === 0) throw error
      const reason = `the Parquet writer could not take its rows (${error.reason})`
      for (const name of error.files) report.quarantined.push({ file: name, movedTo: await moveToQuarantine(directory, name, reason), reason })
      part = part.filter((file) => !error.files.includes(file.name))
      report.files = report.files.filter((name) => !error.files.includes(name))
    }
  }
}

/** The table's progress across its parts: each part's rows count on top of the parts before it. */
function partProgress(listener: ProgressListener | undefined, total: number): { readonly listener: ProgressListener; finish(rows: number): void } {
  let before = 0
  return {
    listener: (event) => listener?.({ ...event, done: before + event.done, total: Math.max(total, before + event.total) }),
    finish: (rows) => {
      before += rows
    },
  }
}

/** The drain without the files of kept commits (a keeping run leaves them, written already, as they are). */
function withoutKept(drain: FileDrain, kept: readonly KeptCommit[]): FileDrain {
  if (kept.length === 0) return drain
  const key = (file: { name: string; bytes: number; mtimeMs: number }) => `${file.name}\0${file.bytes}\0${file.mtimeMs}`
  const written = new Set(kept.flatMap((commit) => commit.files.map(key)))
  const files = drain.files.filter((file) => !written.has(key(file)))
  return { ...drain, files, rows: files.reduce((sum, file) => sum + file.rows, 0) }
}
