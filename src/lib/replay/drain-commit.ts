/**
 * The exactly-once commit of one drain of a table directory into Parquet, shared by flush,
 * recover and ingest's flushes:
 *   1. journal `held`, then the drained files take their held names (the exporter stops seeing them);
 *   2. plan the outputs from the held files; journal `writing` with every output and its rows;
 *   3. write every output durably, and read each footer back;
 *   4. journal `durable`, remove (or quarantine) the held files, remove the journal.
 * A failure undoes everything (outputs removed, files back under their names); a crash at any
 * instant leaves a journal that the next run resolves first (journal-resolution). With `keep`,
 * the files get their names back and the commit is recorded in the kept ledger instead.
 */
import { availableParallelism, hostname } from 'node:os'
import { realpath } from 'node:fs/promises'
import { join } from 'node:path'
import { OutputVerificationError, UnwritableDataError } from '../errors.js'
import type { FileDrain } from '../buffer/record-store.js'
import { heldFileName } from '../format/table-directory.js'
import type { Compression } from '../output-options.js'
import type { ProgressListener } from '../progress.js'
import type { OutputSink, WrittenOutput } from '../sink/output-sink.js'
import type { Granularity } from '../sink/partitioning.js'
import { removeJournal, writeJournal, type JournalFile, type JournalRecord } from './commit-journal.js'
import { SerialQueue } from '../buffer/serial-queue.js'
import { writeKeptLedger, type KeptCommit } from './kept-ledger.js'
import { crashPoint } from './crash-points.js'
import { drainIdentity, outputMetadata } from './drain-identity.js'
import { DEFAULT_TARGET_FILE_BYTES, planDrain, type FileOutcome } from './drain-plan.js'
import { finishFiles, holdFiles, releaseFiles } from './held-files.js'
import { undo } from './journal-resolution.js'
import { verifyOutputs } from './output-verification.js'
import { unwritableFiles } from './unwritable-files.js'
import { OutputEncodingError, writeOutputs } from './write-outputs.js'

export interface DrainCommitOptions {
  readonly table: string
  readonly sink: OutputSink
  /** `strict` refuses damaged files (flush); `salvage` keeps their complete batches and quarantines the original (recover). */
  readonly damage: 'strict' | 'salvage'
  /** Write the outputs but leave the drained files in place, recorded in the kept ledger. @default false */
  readonly keep?: boolean
  /** Earlier kept commits that stay (a keeping run adds its own to them). */
  readonly alreadyKept?: readonly KeptCommit[]
  /** @default 'zstd' */
  readonly compression?: Compression
  /** @default 'hour' */
  readonly granularity?: Granularity
  readonly partitionBy?: string
  /** @default DEFAULT_TARGET_FILE_BYTES */
  readonly targetFileBytes?: number
  readonly concurrency?: number
  readonly progress?: ProgressListener
  /** Stops at the next safe point: before the files are held, or by undoing the commit before it is durable. */
  readonly signal?: AbortSignal
  /** Columns a schema may have before its file is refused as unsupported. */
  readonly maxColumns?: number
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
export async function commitDrain(directory: string, drained: FileDrain, options: DrainCommitOptions): Promise<DrainCommitResult> {
  const files: JournalFile[] = drained.files.map(({ name, bytes, mtimeMs }) => ({ name, bytes, mtimeMs, quarantine: false }))
  if (files.length === 0) return { rows: 0, outputs: [], damaged: [], repairedUtf8: {} }
  options.signal?.throwIfAborted()
  const drain = await drainIdentity(directory, files)
  const base = { version: 3, table: options.table, drain, out: options.sink.root } as const
  await writeJournal(directory, { ...base, state: 'held', files, outputs: [] })
  await holdFiles(directory, files)
  crashPoint('files-held')

  let plan: Awaited<ReturnType<typeof planDrain>>
  try {
    plan = await planDrain(
      files.map((file) => ({ name: file.name, path: join(directory, heldFileName(file.name)), bytes: file.bytes })),
      {
        table: options.table,
        identity: await directoryIdentity(directory),
        targetFileBytes: options.targetFileBytes ?? DEFAULT_TARGET_FILE_BYTES,
        granularity: options.granularity,
        partitionBy: options.partitionBy,
        damage: options.damage,
        signal: options.signal,
        maxColumns: options.maxColumns,
        shareAmong: encoders(options.concurrency),
      },
    )
  } catch (error) {
    await releaseFiles(directory, files)
    await removeJournal(directory)
    throw error
  }
  const damaged = plan.files.filter((file) => file.damage)
  const quarantined = new Set(damaged.map((file) => file.name))
  const record = { ...base, files: files.map((file) => ({ ...file, quarantine: quarantined.has(file.name) })), outputs: plan.outputs.map(({ path, rows }) => ({ path, rows })) }
  const result = { rows: plan.rows, damaged, repairedUtf8: plan.repairedUtf8 }

  if (plan.rows === 0) {
    // Only empty, schema-only or unreadable files: nothing to write; removing them loses no row.
    if (options.keep) await releaseFiles(directory, files)
    else await finishFiles(directory, record.files)
    await removeJournal(directory)
    if (!options.keep) drained.forget()
    return { ...result, outputs: [] }
  }

  await writeJournal(directory, { ...record, state: 'writing' })
  crashPoint('journal-written')
  // Half-written outputs (S3 uploads) are recorded as they start, one journal write at a time.
  const partials = new Map<string, string[]>()
  const journalQueue = new SerialQueue()
  const withPartials = (): JournalRecord => ({ ...record, state: 'writing', outputs: record.outputs.map((output) => ({ ...output, partials: partials.get(output.path) })) })
  const journalWrites: Promise<void>[] = []
  let outputs: WrittenOutput[]
  try {
    let written = 0
    let stored = 0
    const report = () => options.progress?.({ phase: 'rows', table: options.table, done: written, total: plan.rows, stored })
    outputs = await writeOutputs(plan.outputs, options.sink, {
      metadata: outputMetadata(drain, options.table),
      compression: options.compression ?? 'zstd',
      concurrency: options.concurrency,
      signal: options.signal,
      onWritten: (output) => {
        written += output.rows
        report()
      },
      onStored: (bytes) => {
        stored = bytes
        report()
      },
      onStarted: (relative, partial) => {
        partials.set(relative, [...(partials.get(relative) ?? []), partial])
        const recorded = journalQueue.run(async () => {
          await writeJournal(directory, withPartials())
          crashPoint('upload-recorded')
        })
        // Awaited below; a failure is not unhandled meanwhile.
        recorded.catch(() => undefined)
        journalWrites.push(recorded)
      },
    })
    await Promise.all(journalWrites)
    const failure = await verifyOutputs(options.sink, record.outputs, drain)
    if (failure) {
      const error = new OutputVerificationError(failure.path, failure.reason)
      throw failure.short ? new OutputEncodingError(plan.outputs[failure.index]!, error) : error
    }
  } catch (error) {
    // The writer refused rows the reader accepted: name the files to blame, while they are still held.
    const failure = error instanceof OutputEncodingError && !options.signal?.aborted ? await unwritable(directory, files, error, options) : error
    // Disk full, a failed verification or the like: undo, so the table is as it was.
    await journalQueue.run(async () => undefined)
    await undo(directory, withPartials(), options.sink)
    throw failure
  }
  crashPoint('outputs-written')

  if (options.keep) {
    // Recorded before the files come back, so a crash in between cannot leave them unrecorded.
    const commit = { drain, out: record.out, files: record.files, outputs: record.outputs }
    await writeKeptLedger(directory, { version: 3, table: options.table, kept: [...(options.alreadyKept ?? []), commit] })
    await releaseFiles(directory, files)
    await removeJournal(directory)
  } else {
    const sizes = new Map(outputs.map((output) => [output.relative, output.bytes]))
    await writeJournal(directory, { ...record, state: 'durable', outputs: record.outputs.map((output) => ({ ...output, bytes: sizes.get(output.path) })) })
    crashPoint('journal-durable')
    await finishFiles(directory, record.files)
    crashPoint('files-committed')
    await removeJournal(directory)
    drained.forget()
  }
  return { ...result, outputs }
}

async function unwritable(directory: string, files: readonly JournalFile[], error: OutputEncodingError, options: DrainCommitOptions): Promise<UnwritableDataError> {
  const names = new Map(files.map((file) => [join(directory, heldFileName(file.name)), file.name]))
  return new UnwritableDataError(directory, await unwritableFiles(error.output, names, options.compression ?? 'zstd'), error.message)
}

/** How many encoders write a drain's outputs (--jobs, else one per core). */
export function encoders(concurrency: number | undefined): number {
  return concurrency ?? availableParallelism()
}

/** Who writes: this host and the table directory's real path (part of every output's name). */
export async function directoryIdentity(directory: string): Promise<string> {
  return `${hostname()}:${await realpath(directory)}`
}
