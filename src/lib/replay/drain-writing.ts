/**
 * The writing phase of a drain's commit: the planner lays the held files out as outputs, and each
 * output goes to an encoder the moment it opens — named in the journal first — and is written
 * while its pieces are still being planned (in a drain smaller than GROWING_OUTPUTS_FROM_BYTES:
 * the moment it is full, or planning ends); once every output is durable, each is read back.
 * Resolves to the plan and the outputs with their sizes; rejects with the first failure (the
 * caller undoes the commit). A failure the writer alone could have caused (it refused or
 * shortened rows the reader accepted) comes as an OutputEncodingError naming the output.
 */
import { describe, OutputVerificationError } from '../errors.js'
import { entryPath, heldFileName } from '../format/table-directory.js'
import { growing as isGrowing } from '../parquet/encode-job.js'
import { JobFeed } from '../parquet/job-feed.js'
import type { WrittenOutput } from '../sink/output-sink.js'
import type { JournalFile, JournalOutput } from './commit-journal.js'
import { crashPoint } from './crash-points.js'
import { outputMetadata } from './drain-identity.js'
import { DEFAULT_TARGET_FILE_BYTES, planDrain, type DrainPlan, type GrowingOutput, type PlannedOutput } from './drain-plan.js'
import { GROWING_OUTPUTS_FROM_BYTES } from './output-shares.js'
import type { DrainCommitOptions } from './commit-options.js'
import type { JournalInFlight } from './journal-in-flight.js'
import { verifyOutputs } from './output-verification.js'
import { OutputEncodingError, writeOutputs } from './write-outputs.js'

export interface WrittenDrain {
  readonly plan: DrainPlan
  readonly outputs: readonly WrittenOutput[]
  /** The journal's outputs with the sizes they were written with. */
  readonly sized: readonly JournalOutput[]
}

export interface DrainWriting {
  readonly directory: string
  /** This host and the table directory's real path (part of every output's name). */
  readonly identity: string
  readonly drain: string
  readonly files: readonly JournalFile[]
  readonly rows: number
  readonly encoders: number
}

export async function writeDrain(writing: DrainWriting, journal: JournalInFlight, options: DrainCommitOptions): Promise<WrittenDrain> {
  const feed = new JobFeed<PlannedOutput>()
  const handedOver = new Map<string, PlannedOutput>()
  const handOvers: Promise<void>[] = []
  const handOver = (outputs: readonly PlannedOutput[], last = false) => {
    for (const output of outputs) handedOver.set(output.path, output)
    // Named before any byte of them can exist, with the rows planned so far (all of them once planning is done: journal.complete).
    const handed = journal
      .addOutputs(
        outputs.map((output) => ({ path: output.path, rows: output.rows })),
        'journal-written',
      )
      .then(() => {
        // Planning failed meanwhile: the journal names them, nothing writes them.
        if (feed.closed) return
        for (const output of outputs) feed.add(output)
        // Closed at once with the last ones: an encoder that takes the drain's only output sees it is the only one.
        if (last) feed.close()
      })
    handed.catch(() => undefined)
    handOvers.push(handed)
  }
  const growing = writing.files.reduce((sum, file) => sum + file.bytes, 0) >= GROWING_OUTPUTS_FROM_BYTES
  // A failed output stops planning; a failed plan stops the writing. Either way the commit is undone.
  const halt = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, halt.signal]) : halt.signal
  // Progress in rows the writer has taken: it moves within a file, not a whole file at a time.
  let encoded = 0
  let stored = 0
  let total = writing.rows
  let planned = false
  const report = () => options.progress?.({ phase: 'rows', table: options.table, done: Math.min(encoded, total), total, stored })
  const { destination } = options
  const outputs = writeOutputs(feed, destination.sink, {
    metadata: outputMetadata(writing.drain, options.table),
    compression: options.compression ?? 'zstd',
    fieldIds: destination.fieldIds,
    concurrency: options.concurrency,
    threads: options.encoderThreads,
    signal,
    onWritten: () => {
      if (!planned) crashPoint('output-written-while-planning')
    },
    onEncoded: (rows, output) => {
      if (isGrowing(output)) crashPoint('output-growing')
      encoded += rows
      report()
    },
    onStored: (bytes) => {
      stored = bytes
      report()
    },
    onStarted: (relative, partial) => void journal.addPartial(relative, partial, 'upload-recorded'),
  })
  outputs.catch(() => halt.abort(new Error('writing an output failed')))

  let plan: DrainPlan | undefined
  let planFailure: unknown
  try {
    plan = await planDrain(
      writing.files.map((file) => ({ name: file.name, path: entryPath(writing.directory, heldFileName(file.name)), bytes: file.bytes, scan: options.scans?.get(file.name) })),
      {
        table: options.table,
        identity: writing.identity,
        targetFileBytes: options.targetFileBytes ?? DEFAULT_TARGET_FILE_BYTES,
        // A table's own partitioning decides over --granularity.
        granularity: destination.granularity ?? options.granularity,
        dataDirectory: destination.dataDirectory,
        partitionBy: options.partitionBy,
        damage: options.damage,
        signal,
        maxColumns: options.maxColumns,
        shareAmong: writing.encoders,
        // A small drain's outputs go once full, the rest once planned (the only one may then be encoded on this thread).
        ...(growing ? { onOpen: (output: GrowingOutput) => handOver([output]) } : { onFull: (output: PlannedOutput) => handOver([output]) }),
      },
    )
    journal.markQuarantined(new Set(plan.files.filter((file) => file.damage).map((file) => file.name)))
    total = plan.rows
    const rest = plan.outputs.filter((output) => !handedOver.has(output.path))
    if (rest.length > 0) handOver(rest, true)
    journal.complete(plan.outputs)
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

  const done = await outputs
  await journal.settled()
  if (planFailure !== undefined) throw planFailure instanceof Error ? planFailure : new Error(describe(planFailure))
  // Read back against the sizes just written: a store that answers with something else is not the writer's fault.
  const sizes = new Map(done.map((output) => [output.relative, output.bytes]))
  const sized = journal.outputs.map((output) => ({ ...output, bytes: sizes.get(output.path) }))
  const failure = await verifyOutputs(destination.sink, sized, writing.drain)
  if (failure) {
    const error = new OutputVerificationError(failure.path, failure.reason)
    throw failure.short ? new OutputEncodingError(handedOver.get(journal.outputs[failure.index]!.path)!, error) : error
  }
  return { plan: plan!, outputs: done, sized }
}
