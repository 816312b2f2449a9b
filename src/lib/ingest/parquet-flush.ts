/**
 * Where ingest's Manager flushes go with --out: the same planner, encoder and sink as flush and
 * recover. A disk buffer's drained files are committed exactly once through the commit journal;
 * batches buffered in memory (which no crash can keep anyway) are laid out and written the same way.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { basename } from 'node:path'
import type { RecordBatch } from 'apache-arrow'
import type { FileFlushFunc, FlushFunc } from '../buffer/manager.js'
import { encodeBatch } from '../format/batch-codec.js'
import { END_OF_STREAM } from '../format/ipc-framing.js'
import type { Compression } from '../options/output-options.js'
import { resolveEarlierCommits } from '../replay/journal-resolution.js'
import { commitDrain } from '../replay/drain-commit.js'
import type { SalvageNote } from '../replay/replay-report.js'
import { planDrain } from '../replay/drain-plan.js'
import { writeOutputs } from '../replay/write-outputs.js'
import type { OutputSinks } from '../sink/open-sink.js'
import type { RunCatalogs } from '../iceberg/index.js'
import { inspectStreamFile, type StreamFileInspection } from '../format/table-scan.js'
import { tableDestination } from '../replay/table-destination.js'
import type { OutputSink, WrittenOutput } from '../sink/output-sink.js'
import type { Granularity } from '../sink/partitioning.js'

export interface ParquetFlushOptions {
  /** The output root (absent when flushes commit to an Iceberg table). */
  readonly sink?: OutputSink
  readonly sinks: OutputSinks
  /** The Iceberg catalog flushes commit to. */
  readonly catalogs?: RunCatalogs
  readonly compression?: Compression
  readonly granularity?: Granularity
  readonly partitionBy?: string
  /** Told of every output once it is durable. */
  readonly onWritten: (output: WrittenOutput) => void
  /** Stops a flush at its next safe point. */
  readonly signal?: AbortSignal
  /** Told of the invalid UTF-8 values each flush repaired, per column. */
  readonly onRepaired: (counts: Readonly<Record<string, number>>) => void
  /** Told of files a flush read only up to damage (their originals were quarantined). */
  readonly onSalvaged: (notes: readonly SalvageNote[]) => void
}

/** A disk buffer's flush: its files, committed exactly once. */
export function fileFlush(options: ParquetFlushOptions): FileFlushFunc {
  return async (table, drain, directory) => {
    const files = await Promise.all(drain.files.map((file) => inspectStreamFile(directory, file.name)))
    const inspected = files.filter((file): file is StreamFileInspection => !('reason' in file))
    const { destination } = await tableDestination(table, directory, inspected, options)
    const result = await commitDrain(directory, drain, { ...options, destination, table, damage: 'salvage' })
    for (const output of result.outputs) options.onWritten(output)
    options.onRepaired(result.repairedUtf8)
    options.onSalvaged(result.damaged.map((file) => ({ file: file.name, rows: file.rows, droppedBytes: file.droppedBytes, reason: file.damage?.reason ?? '' })))
    return result.outputs.reduce((sum, output) => sum + output.bytes, 0)
  }
}

/** Before a disk buffer is opened: finish what earlier runs left (a commit a crash interrupted, kept commits), as recover would. */
export function finishEarlierCommits(sinks: OutputSinks, catalogs?: RunCatalogs): (directory: string) => Promise<void> {
  return async (directory) => {
    await resolveEarlierCommits(directory, basename(directory), { sinks, catalogs })
  }
}

/** A memory buffer's flush: its batches, as one in-memory IPC stream per batch. */
export function batchFlush(options: ParquetFlushOptions): FlushFunc {
  return async (table, batches) => {
    const sources = await Promise.all(batches.map(async (batch, index) => ({ name: `batch ${index}`, stream: await streamOf(batch) })))
    const plan = await planDrain(sources, { table, identity: `${hostname()}:memory:${randomBytes(8).toString('hex')}`, targetFileBytes: Infinity, damage: 'strict', ...options })
    if (!options.sink) throw new Error('a memory buffer flushes only into an output root')
    const outputs = await writeOutputs(plan.outputs, options.sink, { compression: options.compression ?? 'zstd', onWritten: options.onWritten })
    options.onRepaired(plan.repairedUtf8)
    return outputs.reduce((sum, output) => sum + output.bytes, 0)
  }
}

async function streamOf(batch: RecordBatch): Promise<Uint8Array> {
  const { schemaMessage, dataMessages } = await encodeBatch(batch)
  return Buffer.concat([schemaMessage, dataMessages, END_OF_STREAM])
}
