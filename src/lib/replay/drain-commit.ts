/**
 * The exactly-once commit of one drain of a table directory into Parquet, shared by flush,
 * recover and ingest's flushes:
 *   1. journal `held`, then the drained files take their held names (the exporter stops seeing them);
 *   2. plan the outputs from the held files and write them meanwhile: each output is journaled
 *      (`writing`, with its rows) before an encoder may take it, the first as soon as it is full;
 *   3. once every output is durable, read each footer back;
 *   4. journal `durable`, remove (or quarantine) the held files, remove the journal.
 * A failure undoes everything (outputs removed, files back under their names); a crash at any
 * instant leaves a journal that the next run resolves first (journal-resolution). With `keep`,
 * the files get their names back and the commit is recorded in the kept ledger instead.
 */
import { availableParallelism, hostname } from 'node:os'
import { realpath } from 'node:fs/promises'
import { join } from 'node:path'
import { isSystemError, RollbackError, UnwritableDataError } from '../errors.js'
import type { FileDrain } from '../buffer/record-store.js'
import type { DrainCommitOptions } from './commit-options.js'
import { heldFileName } from '../format/table-directory.js'
import type { WrittenOutput } from '../sink/output-sink.js'
import { removeJournal, type JournalFile } from './commit-journal.js'
import { writeKeptLedger, type KeptCommit } from './kept-ledger.js'
import { crashPoint, stallPoint } from './crash-points.js'
import { untilSettled } from './stall-watchdog.js'
import { drainIdentity } from './drain-identity.js'
import type { FileOutcome } from './drain-plan.js'
import { writeDrain, type WrittenDrain } from './drain-writing.js'
import { finishFiles, holdFiles, releaseFiles } from './held-files.js'
import { JournalInFlight } from './journal-in-flight.js'
import { finishDurable, undo } from './commit-protocol.js'
import { unwritableFiles } from './unwritable-files.js'
import { OutputEncodingError } from './write-outputs.js'

export type { DrainCommitOptions }

export interface DrainCommitResult {
  readonly rows: number
  readonly outputs: readonly WrittenOutput[]
  /** Files read only up to damage: their complete batches were written, the originals quarantined. */
  readonly damaged: readonly FileOutcome[]
  /** String values with invalid UTF-8 per column, written with U+FFFD in place of each invalid sequence. */
  readonly repairedUtf8: Readonly<Record<string, number>>
  /** With `keep`: the commit as the kept ledger now records it. */
  readonly kept?: KeptCommit
  /** The Iceberg snapshot that holds the outputs, when they went to a table. */
  readonly snapshot?: string
}

/** Writes the drain's rows as Parquet and commits it, exactly once. */
export async function commitDrain(directory: string, drained: FileDrain, options: DrainCommitOptions): Promise<DrainCommitResult> {
  const files: JournalFile[] = drained.files.map(({ name, bytes, mtimeMs }) => ({ name, bytes, mtimeMs, quarantine: false }))
  if (files.length === 0) return { rows: 0, outputs: [], damaged: [], repairedUtf8: {} }
  options.signal?.throwIfAborted()
  const drain = await drainIdentity(directory, files)
  const { destination } = options
  const journal = new JournalInFlight(directory, { version: 3, table: options.table, drain, out: destination.sink.root, iceberg: destination.journalEntry() }, files)
  await journal.begin()

  // From here until the journal says `durable`, any failure — a damaged file in strict mode, a full
  // disk, a failed read-back, a signal, a bug — undoes the commit, so the table is as it was.
  let written: WrittenDrain
  try {
    await holdFiles(directory, files)
    crashPoint('files-held')
    const writing = { directory, identity: await directoryIdentity(directory), drain, files, rows: drained.rows, encoders: encoders(options.concurrency) }
    // A step that never finishes ends as an error here, so that the commit is undone (stall-watchdog).
    written = await untilSettled(
      stallPoint('files-held').then(() => writeDrain(writing, journal, options)),
      `writing the drain of ${directory}`,
    )
    if (written.plan.rows > 0) crashPoint('outputs-written')
  } catch (error) {
    throw await undoing(error, journal, directory, options)
  }

  const { plan, outputs, sized } = written
  const result = { rows: plan.rows, damaged: plan.files.filter((file) => file.damage), repairedUtf8: plan.repairedUtf8 }
  if (plan.rows === 0) {
    // Only empty, schema-only or unreadable files: nothing to write; removing them loses no row.
    if (options.keep) await releaseFiles(directory, files)
    else await finishFiles(directory, journal.files)
    await removeJournal(directory)
    if (!options.keep) drained.forget()
    return { ...result, outputs: [] }
  }
  if (options.keep) {
    // Recorded before the files come back, so a crash in between cannot leave them unrecorded.
    const commit = { drain, out: destination.sink.root, files: journal.files, outputs: journal.outputs }
    await writeKeptLedger(directory, { version: 3, table: options.table, kept: [...(options.alreadyKept ?? []), commit] })
    await releaseFiles(directory, files)
    await removeJournal(directory)
    return { ...result, outputs, kept: commit }
  } else {
    const record = await journal.durable(sized)
    crashPoint('journal-durable')
    const snapshot = await finishDurable(directory, record, destination, options.signal)
    drained.forget()
    return { ...result, outputs, snapshot }
  }
}

/**
 * Undoes a commit that failed before it was durable and returns what to report: the failure, or —
 * when the writer refused rows the reader accepted — the files to blame (named while they are still
 * held). The undo runs on every path, also when blaming fails.
 */
async function undoing(error: unknown, journal: JournalInFlight, directory: string, options: DrainCommitOptions): Promise<unknown> {
  let failure = error
  try {
    if (error instanceof OutputEncodingError && !options.signal?.aborted) failure = await unwritable(directory, journal.files, error, options)
  } catch (blaming) {
    // Blaming could not finish (out of descriptors, say): the machine's problem is the one to report.
    if (isSystemError(blaming)) failure = blaming
  } finally {
    await journal.quiet()
    await undoAfter(failure, () => undo(directory, journal.writing(), options.destination.sink))
  }
  return failure
}

/** Runs the undo of a failed commit; if the undo itself fails, its error says what it was undoing. */
async function undoAfter(failure: unknown, undoing: () => Promise<void>): Promise<void> {
  try {
    await undoing()
  } catch (error) {
    throw error instanceof RollbackError ? error.after(failure) : error
  }
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
