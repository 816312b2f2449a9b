/**
 * flush and recover: drain table directories of a spill root into Parquet, exactly once.
 *
 * For each table: take the lock, finish or undo a commit a crash left behind (commit journal),
 * check the files, seal the active stream, write the data as Parquet, and only when every output
 * is durable remove the pending files. `flush` refuses a table whose files are damaged and leaves
 * it untouched; `recover` salvages the complete batches of damaged files, moves files it cannot
 * read at all into `quarantine/`, and keeps damaged originals there too — it never deletes input.
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { BufctlError, CorruptStreamError, InputNotFoundError, InvalidOptionsError, LockHeldError } from './errors.js'
import { withDirectoryLock, type DirectoryLock } from './directory-lock.js'
import { DiskStore, type PendingFile } from './disk-store.js'
import { commitFiles, moveToQuarantine, readJournal, removeJournal, resolveJournal, writeJournal, type JournalFile, type JournalResolution } from './commit-journal.js'
import { crashPoint } from './crash-points.js'
import type { Compression, WrittenOutput } from './parquet-writer.js'
import { DEFAULT_TARGET_FILE_BYTES, planDrain } from './drain-plan.js'
import { encodeOutputs } from './encoder-pool.js'
import type { Granularity } from './partitioning.js'
import { inspectTable, listTables, lockState, streamFiles, type StreamFileInspection } from './spill-inspection.js'
import { tableDirectoryName } from './table-name.js'
import type { ProgressListener } from './progress.js'

export type ReplayMode = 'flush' | 'recover'

export interface ReplayOptions {
  readonly mode: ReplayMode
  /** Root of the spill directory. */
  readonly root: string
  /** Root of the Parquet output tree; required unless dryRun. */
  readonly out?: string
  /** Tables to work on (names or directory names); all table directories by default. */
  readonly tables?: readonly string[]
  /** Report only: take no lock, write nothing, delete nothing. @default false */
  readonly dryRun?: boolean
  /** Write Parquet but leave the pending files in place. @default false */
  readonly keep?: boolean
  /** @default 'zstd' */
  readonly compression?: Compression
  /** @default 'hour' */
  readonly granularity?: Granularity
  readonly partitionBy?: string
  /** Arrow bytes per output file before another part starts. @default 256 MiB */
  readonly targetFileBytes?: number
  /** Threads encoding Parquet. @default the number of cores */
  readonly concurrency?: number
  readonly progress?: ProgressListener
}

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
  /** done: written (or would be, dry run); empty: nothing to write; in-use: locked elsewhere; failed: left untouched. */
  readonly status: 'done' | 'empty' | 'in-use' | 'failed'
  readonly rows: number
  /** Pending files the drain covered (after an orphaned active file was promoted). */
  readonly files: readonly string[]
  readonly outputs: readonly WrittenOutput[]
  readonly parquetBytes: number
  readonly salvaged: readonly SalvageNote[]
  readonly quarantined: readonly QuarantineNote[]
  /** What was done with a commit a crash had interrupted. */
  readonly journal?: JournalResolution
  readonly holderPid?: number
  readonly error?: { readonly code: string; readonly message: string; readonly hint: string; readonly path: string }
}

export interface ReplayReport {
  readonly mode: ReplayMode
  readonly root: string
  readonly out?: string
  readonly dryRun: boolean
  readonly keep: boolean
  readonly rows: number
  readonly outputs: number
  readonly tables: readonly TableReplayReport[]
  readonly failed: readonly string[]
  readonly inUse: readonly string[]
}

export async function replay(options: ReplayOptions): Promise<ReplayReport> {
  const dryRun = options.dryRun ?? false
  if (!dryRun && !options.out) throw new InvalidOptionsError('--out', `${options.mode} writes Parquet: name the output directory with --out (or use --dry-run)`)
  const available = await listTables(options.root)
  const tables = options.tables?.length ? options.tables.map(tableDirectoryName) : available
  const reports: TableReplayReport[] = []
  for (const [index, table] of tables.entries()) {
    options.progress?.({ phase: 'table', table, done: index, total: tables.length })
    reports.push(await replayTable(table, available.includes(table), options))
  }
  options.progress?.({ phase: 'table', table: '', done: tables.length, total: tables.length })
  return {
    mode: options.mode,
    root: options.root,
    out: options.out,
    dryRun,
    keep: options.keep ?? false,
    rows: reports.reduce((sum, report) => sum + report.rows, 0),
    outputs: reports.reduce((sum, report) => sum + report.outputs.length, 0),
    tables: reports,
    failed: reports.filter((report) => report.status === 'failed').map((report) => report.table),
    inUse: reports.filter((report) => report.status === 'in-use').map((report) => report.table),
  }
}

/** The report while it is being filled in. */
type Draft = { -readonly [K in keyof TableReplayReport]: TableReplayReport[K] } & {
  outputs: WrittenOutput[]
  salvaged: SalvageNote[]
  quarantined: QuarantineNote[]
}

async function replayTable(table: string, exists: boolean, options: ReplayOptions): Promise<TableReplayReport> {
  const directory = join(options.root, table)
  const report: Draft = { table, directory, status: 'empty', rows: 0, files: [], outputs: [], parquetBytes: 0, salvaged: [], quarantined: [] }
  try {
    if (!exists) throw new InputNotFoundError(directory, `no table directory ${table} in ${options.root}`)
    if (options.dryRun) await planTable(report, options)
    else await withDirectoryLock(directory, (lock) => drainTable(report, lock, options))
  } catch (error) {
    if (error instanceof LockHeldError) {
      report.status = 'in-use'
      report.holderPid = error.holderPid ?? (await lockState(directory)).holderPid
    } else {
      report.status = 'failed'
    }
    report.error = describeError(error, directory)
    report.rows = 0
  }
  return report
}

/** A dry run: what drainTable would do, from metadata only. */
async function planTable(report: Draft, options: ReplayOptions): Promise<void> {
  const state = await lockState(report.directory)
  if (state.inUse) throw new LockHeldError(report.directory, state.holderPid)
  const inspection = await inspectTable(options.root, report.table)
  const files = streamFiles(inspection)
  if (options.mode === 'flush') refuseDamage(files)
  for (const file of files) {
    const verdict = classify(file)
    if (verdict === 'unreadable' && options.mode === 'recover') report.quarantined.push({ file: file.name, reason: describeUnreadable(file) })
    if (verdict === 'damaged') report.salvaged.push({ file: file.name, rows: file.rows, droppedBytes: file.droppedBytes, reason: file.damage!.reason })
  }
  report.files = files.filter((file) => file.rows > 0).map((file) => file.name)
  report.rows = files.reduce((sum, file) => sum + file.rows, 0)
  report.status = report.rows > 0 ? 'done' : 'empty'
}

async function drainTable(report: Draft, lock: DirectoryLock, options: ReplayOptions): Promise<void> {
  const { directory } = report
  const journal = await readJournal(directory)
  if (journal) report.journal = await resolveJournal(directory, journal)

  const inspection = await inspectTable(options.root, report.table)
  const files = streamFiles(inspection)
  if (options.mode === 'flush') refuseDamage(files)
  else {
    for (const file of files) {
      if (classify(file) !== 'unreadable') continue
      const movedTo = await moveToQuarantine(directory, file.name)
      report.quarantined.push({ file: file.name, movedTo, reason: describeUnreadable(file) })
    }
  }
  // What is left after quarantine, as just inspected: the store need not scan it again.
  const moved = new Set(report.quarantined.map((note) => note.file))
  const remaining = { ...inspection, active: inspection.active && !moved.has(inspection.active.name) ? inspection.active : undefined, pending: inspection.pending.filter((file) => !moved.has(file.name)) }

  const store = await DiskStore.adopt(directory, lock, { damage: 'salvage' }, remaining)
  try {
    const drain = await store.drainFiles()
    report.files = drain.files.map((file) => file.name)
    const drainId = drainIdentity(drain.files)
    const plan = await planDrain(drain.files, {
      table: report.table,
      name: `bufctl-${drainId}`,
      out: options.out!,
      granularity: options.granularity,
      partitionBy: options.partitionBy,
      targetFileBytes: options.targetFileBytes ?? DEFAULT_TARGET_FILE_BYTES,
      damage: options.mode === 'flush' ? 'strict' : 'salvage',
    })
    const damaged = plan.files.filter((file) => file.damage)
    for (const file of damaged) report.salvaged.push({ file: file.name, rows: file.rows, droppedBytes: file.droppedBytes, reason: file.damage!.reason })
    const quarantine = damaged.map((file) => file.name)
    report.rows = plan.rows
    if (report.rows === 0) {
      // Only schema-only or emptied files: nothing to write, nothing lost by removing them.
      if (!options.keep) await commitFiles(directory, journalFiles(drain.files), quarantine)
      report.status = 'empty'
      return
    }
    const base = { version: 1 as const, drainId, files: journalFiles(drain.files), quarantine, outputs: plan.outputs.map((output) => output.path) }
    await writeJournal(directory, { ...base, state: 'writing' })
    crashPoint('journal-written')
    let written = 0
    try {
      const outputs = await encodeOutputs(plan.outputs, {
        compression: options.compression ?? 'zstd',
        concurrency: options.concurrency,
        onEncoded: (output) => {
          written += output.rows
          options.progress?.({ phase: 'rows', table: report.table, done: written, total: report.rows })
        },
      })
      report.outputs.push(...outputs)
      report.parquetBytes = outputs.reduce((sum, output) => sum + output.bytes, 0)
    } catch (error) {
      // Disk full or the like: undo the outputs and the journal, so the table is as it was.
      await resolveJournal(directory, { ...base, state: 'writing' }).catch(() => undefined)
      throw error
    }
    crashPoint('outputs-written')
    if (options.keep) {
      await removeJournal(directory)
    } else {
      await writeJournal(directory, { ...base, state: 'durable' })
      crashPoint('journal-durable')
      await commitFiles(directory, base.files, quarantine)
      crashPoint('files-committed')
      await removeJournal(directory)
    }
    report.status = 'done'
  } finally {
    await store.close()
  }
}

function journalFiles(files: readonly PendingFile[]): JournalFile[] {
  return files.map(({ name, bytes, mtimeMs }) => ({ name, bytes, mtimeMs }))
}

/** The same files (name, size, modification time) give the same id, so a repeat overwrites. */
function drainIdentity(files: readonly PendingFile[]): string {
  const hash = createHash('sha256')
  for (const file of files) hash.update(`${file.name}\0${file.bytes}\0${file.mtimeMs}\n`)
  return hash.digest('hex').slice(0, 16)
}

type Verdict = 'clean' | 'damaged' | 'unreadable'

/** unreadable: not one complete batch (empty, schema only, or damaged before its first batch). */
function classify(file: StreamFileInspection): Verdict {
  if (file.recordBatches === 0) return 'unreadable'
  return file.damage ? 'damaged' : 'clean'
}

function describeUnreadable(file: StreamFileInspection): string {
  if (file.bytes === 0) return 'empty file'
  if (file.damage) return file.damage.reason
  return 'schema only: no record batch'
}

/** flush leaves a table whose files are damaged untouched: that is recover's job. */
function refuseDamage(files: readonly StreamFileInspection[]): void {
  const damaged = files.find((file) => file.damage)
  if (damaged) throw new CorruptStreamError(damaged.path, damaged.damage!.offset, damaged.damage!.reason)
}

function describeError(error: unknown, directory: string): NonNullable<TableReplayReport['error']> {
  if (error instanceof BufctlError) return { code: error.code, message: error.message, hint: error.hint, path: error.path }
  const message = error instanceof Error ? error.message : String(error)
  return { code: (error as NodeJS.ErrnoException).code ?? 'ERROR', message: `${directory}: ${message}`, hint: 'see the message; the table was left as it was', path: directory }
}
