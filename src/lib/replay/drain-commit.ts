/**
 * The exactly-once commit of one drain of a table directory into Parquet, shared by flush,
 * recover and ingest's flushes: plan the outputs, record them and the drained files in the commit
 * journal, write every output durably, mark the journal durable, and only then remove (or
 * quarantine) the drained files. A crash at any instant leaves a journal that the next run
 * resolves before anything else (commit-journal).
 */
import { createHash } from 'node:crypto'
import type { FileDrain, PendingFile } from '../buffer/disk-store.js'
import type { Compression } from '../output-options.js'
import type { ProgressListener } from '../progress.js'
import type { OutputSink, WrittenOutput } from '../sink/output-sink.js'
import type { Granularity } from '../sink/partitioning.js'
import { commitFiles, removeJournal, resolveJournal, writeJournal, type JournalFile, type JournalRecord } from './commit-journal.js'
import { crashPoint } from './crash-points.js'
import { DEFAULT_TARGET_FILE_BYTES, planDrain, type FileOutcome } from './drain-plan.js'
import { writeOutputs } from './write-outputs.js'

export interface DrainCommitOptions {
  readonly table: string
  readonly sink: OutputSink
  /** `strict` refuses damaged files (flush); `salvage` keeps their complete batches and quarantines the original (recover). */
  readonly damage: 'strict' | 'salvage'
  /** Write the outputs but leave the drained files in place. @default false */
  readonly keep?: boolean
  /** @default 'zstd' */
  readonly compression?: Compression
  /** @default 'hour' */
  readonly granularity?: Granularity
  readonly partitionBy?: string
  /** @default DEFAULT_TARGET_FILE_BYTES */
  readonly targetFileBytes?: number
  readonly concurrency?: number
  readonly progress?: ProgressListener
}

export interface DrainCommitResult {
  readonly rows: number
  readonly outputs: readonly WrittenOutput[]
  /** Files read only up to damage: their complete batches were written, the originals quarantined. */
  readonly damaged: readonly FileOutcome[]
  /** String values with invalid UTF-8 per column, written with U+FFFD in place of each invalid sequence. */
  readonly repairedUtf8: Readonly<Record<string, number>>
}

/** Writes the drain's rows as Parquet and commits it, exactly once. */
export async function commitDrain(directory: string, drain: FileDrain, options: DrainCommitOptions): Promise<DrainCommitResult> {
  const drainId = drainIdentity(drain.files)
  const plan = await planDrain(drain.files, {
    table: options.table,
    name: `bufctl-${drainId}`,
    targetFileBytes: options.targetFileBytes ?? DEFAULT_TARGET_FILE_BYTES,
    granularity: options.granularity,
    partitionBy: options.partitionBy,
    damage: options.damage,
  })
  const damaged = plan.files.filter((file) => file.damage)
  const files = journalFiles(drain.files)
  const quarantine = damaged.map((file) => file.name)
  if (plan.rows === 0) {
    // Only schema-only or emptied files: nothing to write, nothing lost by removing them.
    if (!options.keep) await finishCommit(directory, drain, files, quarantine)
    return { rows: 0, outputs: [], damaged, repairedUtf8: plan.repairedUtf8 }
  }
  const base = { version: 2 as const, drainId, files, quarantine, out: options.sink.root, outputs: plan.outputs.map((output) => output.path) }
  await writeJournal(directory, { ...base, state: 'writing' })
  crashPoint('journal-written')
  let written = 0
  let outputs: WrittenOutput[]
  try {
    outputs = await writeOutputs(plan.outputs, options.sink, {
      compression: options.compression ?? 'zstd',
      concurrency: options.concurrency,
      onWritten: (output) => {
        written += output.rows
        options.progress?.({ phase: 'rows', table: options.table, done: written, total: plan.rows })
      },
    })
  } catch (error) {
    // Disk full or the like: undo the outputs and the journal, so the table is as it was.
    await resolveJournal(directory, { ...base, state: 'writing' } satisfies JournalRecord).catch(() => undefined)
    throw error
  }
  crashPoint('outputs-written')
  if (options.keep) {
    await removeJournal(directory)
  } else {
    await writeJournal(directory, { ...base, state: 'durable' })
    crashPoint('journal-durable')
    await finishCommit(directory, drain, files, quarantine)
  }
  return { rows: plan.rows, outputs, damaged, repairedUtf8: plan.repairedUtf8 }
}

/** Removes (or quarantines) the drained files, then the journal; the store forgets the files. */
async function finishCommit(directory: string, drain: FileDrain, files: readonly JournalFile[], quarantine: readonly string[]): Promise<void> {
  await commitFiles(directory, files, quarantine)
  crashPoint('files-committed')
  drain.forget()
  await removeJournal(directory)
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
