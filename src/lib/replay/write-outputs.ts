/**
 * The one way from planned outputs to Parquet in a sink, for flush, recover and ingest alike: the
 * encoder pool turns each planned file into Parquet bytes and the sink makes each durable.
 */
import { isSystemError } from '../errors.js'
import type { Compression } from '../options/output-options.js'
import { encodeJobs } from '../parquet/encoder-pool.js'
import { JobFeed } from '../parquet/job-feed.js'
import type { EncoderThreads } from '../parquet/encoder-threads.js'
import { writeOutput, type OutputSink, type WriteEvents, type WrittenOutput } from '../sink/output-sink.js'
import type { PlannedOutput } from './drain-plan.js'

export interface WriteOutputsOptions {
  readonly compression: Compression
  /** Threads encoding Parquet. @default the number of cores */
  readonly concurrency?: number
  /** The run's encoder threads (encoder-threads); without them, threads live for this call only. */
  readonly threads?: EncoderThreads
  /** Told of each output once it is durable. */
  readonly onWritten?: (output: WrittenOutput) => void
  /** Key-value metadata for every output's footer. */
  readonly metadata?: Readonly<Record<string, string>>
  /** Parquet field ids by column path (an Iceberg table's). */
  readonly fieldIds?: ReadonlyMap<string, number>
  /** Stops encoding and writing at once; what was half-written is removed. */
  readonly signal?: AbortSignal
  /** Told when an output gets a half-written name in the store that a crash could leave behind (see WriteEvents). */
  readonly onStarted?: (relative: string, partial: string) => void
  /** Told of the bytes the sink holds so far, all outputs together (uploaded, for S3). */
  readonly onStored?: (bytes: number) => void
  /** Told of rows as the writer takes them, with the output they belong to (progress within a file). */
  readonly onEncoded?: (rows: number, output: PlannedOutput) => void
}

/** The encoder (not the sink) failed on one output: its data, not the disk, is the problem. */
export class OutputEncodingError extends Error {
  constructor(
    readonly output: PlannedOutput,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause })
    this.name = 'OutputEncodingError'
  }
}

/**
 * Encodes and writes every planned output — a list, or a feed that outputs join while planning
 * goes on (and that may still be growing: EncodeJob); rejects with the first failure (outputs
 * already durable stay). An output's rows are read once it is written, when it is complete.
 */
export async function writeOutputs(outputs: JobFeed<PlannedOutput> | readonly PlannedOutput[], sink: OutputSink, options: WriteOutputsOptions): Promise<WrittenOutput[]> {
  const feed = outputs instanceof JobFeed ? outputs : JobFeed.of(outputs)
  const stored = new Map<string, number>()
  let storedTotal = 0
  const events = (relative: string): WriteEvents => ({
    started: (partial) => options.onStarted?.(relative, partial),
    progress: (bytes) => {
      storedTotal += bytes - (stored.get(relative) ?? 0)
      stored.set(relative, bytes)
      options.onStored?.(storedTotal)
    },
  })
  const onRows = options.onEncoded && ((index: number, rows: number) => options.onEncoded!(rows, feed.job(index)))
  const format = { compression: options.compression, metadata: options.metadata, fieldIds: options.fieldIds }
  const encoding = { format, concurrency: options.concurrency, threads: options.threads, signal: options.signal, onRows }
  return encodeJobs(feed, encoding, async (index, bytes) => {
    const planned = feed.job(index)
    const size = await writeOutput(sink, planned.path, encoded(planned, bytes), options.signal, events(planned.path))
    const written = { path: sink.locate(planned.path), relative: planned.path, partition: planned.partition, rows: planned.rows, bytes: size }
    options.onWritten?.(written)
    return written
  })
}

/**
 * The encoder's bytes, with the writer's failures told apart from the sink's. A system error
 * while the encoder reads its input (out of file descriptors, an I/O error) is the machine's
 * problem, not the data's: it fails the drain as it is, and no file is blamed for it.
 */
async function* encoded(output: PlannedOutput, bytes: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* bytes
  } catch (error) {
    if (isSystemError(error)) throw error
    throw new OutputEncodingError(output, error)
  }
}
