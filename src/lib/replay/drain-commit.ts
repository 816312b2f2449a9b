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
import { describe, OutputVerificationError, UnwritableDataError } from '../errors.js'
import type { FileDrain } from '../buffer/record-store.js'
import { heldFileName } from '../format/table-directory.js'
import type { Compression } from '../output-options.js'
import type { ProgressListener } from '../progress.js'
import type { OutputSink, WrittenOutput } from '../sink/output-sink.js'
import type { Granularity } from '../sink/partitioning.js'
import { removeJournal, writeJournal, type JournalFile, type JournalOutput, type JournalRecord } from './commit-journal.js'
import { SerialQueue } from '../buffer/serial-queue.js'
import { writeKeptLedger, type KeptCommit } from './kept-ledger.js'
import { crashPoint, type CrashPoint } from './crash-points.js'
import { drainIdentity, outputMetadata } from './drain-identity.js'
import { DEFAULT_TARGET_FILE_BYTES, planDrain, type FileOutcome, type PlannedOutput } from './drain-plan.js'
import { finishFiles, holdFiles, releaseFiles } from './held-files.js'
import { undo } from './journal-resolution.js'
import { verifyOutputs } from './output-verification.js'
import { unwritableFiles } from './unwritable-files.js'
import { OutputEncodingError, writeOutputs } from './write-outputs.js'
import { JobFeed } from '../parquet/job-feed.js'

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

  // Outputs are written while planning goes on. Each is named in the journal before an encoder
  // may take it, so a crash at any instant leaves every output that may exist named there; the
  // journal's file list gets its quarantine marks once planning ends.
  const record: Omit<JournalRecord, 'state'> & { files: JournalFile[]; outputs: JournalOutput[] } = { ...base, files: [...files], outputs: [] }
  // Half-written outputs (S3 uploads) are recorded as they start, one journal write at a time.
  const partials = new Map<string, string[]>()
  const journalQueue = new SerialQueue()
  const withPartials = (): JournalRecord => ({ ...record, state: 'writing', outputs: record.outputs.map((output) => ({ ...output, partials: partials.get(output.path) })) })
  const journalWrites: Promise<void>[] = []
  const recordJournal = (after: CrashPoint) => {
    const recorded = journalQueue.run(async () => {
      await writeJournal(directory, withPartials())
      crashPoint(after)
    })
    // Awaited below; a failure is not unhandled meanwhile.
    recorded.catch(() => undefined)
    journalWrites.push(recorded)
    return recorded
  }
  const feed = new JobFeed<PlannedOutput>()
  const handedOver = new Map<string, PlannedOutput>()
  const handOvers: Promise<void>[] = []
  const handOver = (outputs: readonly PlannedOutput[], last = false) => {
    for (const output of outputs) {
      handedOver.set(output.path, output)
      record.outputs.push({ path: output.path, rows: output.rows })
    }
    const handed = recordJournal('journal-written').then(() => {
      // Planning failed meanwhile: the journal names it, nothing writes it.
      if (feed.closed) return
      for (const output of outputs) feed.add(output)
      // Closed at once with the last ones: an encoder that takes the drain's only output sees it is the only one.
      if (last) feed.close()
    })
    handed.catch(() => undefined)
    handOvers.push(handed)
  }
  // A failed output stops planning; a failed plan stops the writing. Either way the commit is undone.
  const halt = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, halt.signal]) : halt.signal
  let written = 0
  let stored = 0
  let total = drained.rows
  let planned = false
  const report = () => options.progress?.({ phase: 'rows', table: options.table, done: written, total, stored })
  const writing = writeOutputs(feed, options.sink, {
    metadata: outputMetadata(drain, options.table),
    compression: options.compression ?? 'zstd',
    concurrency: options.concurrency,
    signal,
    onWritten: (output) => {
      written += output.rows
      report()
      if (!planned) crashPoint('output-written-while-planning')
    },
    onStored: (bytes) => {
      stored = bytes
      report()
    },
    onStarted: (relative, partial) => {
      partials.set(relative, [...(partials.get(relative) ?? []), partial])
      void recordJournal('upload-recorded')
    },
  })
  writing.catch(() => halt.abort(new Error('writing an output failed')))

  let plan: Awaited<ReturnType<typeof planDrain>> | undefined
  let planFailure: unknown
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
        signal,
        maxColumns: options.maxColumns,
        shareAmong: encoders(options.concurrency),
        onOutput: (output) => handOver([output]),
      },
    )
    const quarantined = new Set(plan.files.filter((file) => file.damage).map((file) => file.name))
    record.files = files.map((file) => ({ ...file, quarantine: quarantined.has(file.name) }))
    total = plan.rows
    const rest = plan.outputs.filter((output) => !handedOver.has(output.path))
    if (rest.length > 0) handOver(rest, true)
    // Every output is in the feed before it closes.
    await Promise.all(handOvers)
  } catch (error) {
    planFailure = error
    // Planning failed on its own (damage, a signal): the outputs being written stop at once.
    if (!halt.signal.aborted) halt.abort(error)
  } finally {
    planned = true
    feed.close()
  }

  let outputs: WrittenOutput[]
  let sized: JournalOutput[]
  try {
    outputs = await writing
    await Promise.all(journalWrites)
    if (planFailure !== undefined) throw planFailure instanceof Error ? planFailure : new Error(describe(planFailure))
    // Read back against the sizes just written: a store that answers with something else is not the writer's fault.
    const sizes = new Map(outputs.map((output) => [output.relative, output.bytes]))
    sized = record.outputs.map((output) => ({ ...output, bytes: sizes.get(output.path) }))
    const failure = await verifyOutputs(options.sink, sized, drain)
    if (failure) {
      const error = new OutputVerificationError(failure.path, failure.reason)
      throw failure.short ? new OutputEncodingError(handedOver.get(record.outputs[failure.index]!.path)!, error) : error
    }
  } catch (error) {
    // The writer refused rows the reader accepted: name the files to blame, while they are still held.
    const failure = error instanceof OutputEncodingError && !options.signal?.aborted ? await unwritable(directory, files, error, options) : error
    // A damaged file in strict mode, disk full, a failed verification or the like: undo, so the table is as it was.
    await journalQueue.run(async () => undefined)
    await undo(directory, withPartials(), options.sink)
    throw failure
  }
  const damaged = plan!.files.filter((file) => file.damage)
  const result = { rows: plan!.rows, damaged, repairedUtf8: plan!.repairedUtf8 }

  if (plan!.rows === 0) {
    // Only empty, schema-only or unreadable files: nothing to write; removing them loses no row.
    if (options.keep) await releaseFiles(directory, files)
    else await finishFiles(directory, record.files)
    await removeJournal(directory)
    if (!options.keep) drained.forget()
    return { ...result, outputs: [] }
  }
  crashPoint('outputs-written')

  if (options.keep) {
    // Recorded before the files come back, so a crash in between cannot leave them unrecorded.
    const commit = { drain, out: record.out, files: record.files, outputs: record.outputs }
    await writeKeptLedger(directory, { version: 3, table: options.table, kept: [...(options.alreadyKept ?? []), commit] })
    await releaseFiles(directory, files)
    await removeJournal(directory)
  } else {
    await writeJournal(directory, { ...record, state: 'durable', outputs: sized })
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
