/**
 * Encodes independent Parquet files on several cores: one worker thread per core (each with its
 * own parquet-wasm) takes the next job when it finishes one, and streams the file's bytes back
 * chunk by chunk; the caller's `write` consumes them (into a sink) while the worker goes on. Jobs
 * may still be arriving (a JobFeed), and a job's pieces too (a growing job: they are sent on to
 * its worker as they join): a worker starts when its first job does, or is taken from the run's
 * EncoderThreads. A single job (when no thread waits), or a single core, is encoded on the calling
 * thread without starting a worker.
 */
import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import { completed, growing, type EncodeJob, type ParquetFormat } from './encode-job.js'
import { encodeParquet } from './encoder.js'
import { ChunkChannel } from './chunk-channel.js'
import { JobFeed } from './job-feed.js'
import type { ToWorker } from './worker-protocol.js'
import { EncoderThreads } from './encoder-threads.js'

export interface EncodeOptions {
  readonly format: ParquetFormat
  /** Worker threads at most. @default the number of cores */
  readonly concurrency?: number
  /** Stops handing out jobs and ends the workers at once (their jobs fail with the signal's reason). */
  readonly signal?: AbortSignal
  /** How long a worker may go without a chunk before its job fails. @default 10 minutes */
  readonly idleTimeoutMs?: number
  /** Told of the rows the writer takes, as it takes them (progress within a file), with the job's index. */
  readonly onRows?: (index: number, rows: number) => void
  /** The run's threads, kept from one call to the next; without them, threads live for this call only. */
  readonly threads?: EncoderThreads
}

/** One chunk is at most one row group: even a large one is encoded well within this. */
const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60 * 1000

/**
 * Consumes one job's Parquet bytes (writes them somewhere) and resolves once they are durable.
 * Each chunk is lent: it is valid until the next is asked for, when a chunk from a worker thread
 * is freed (left empty); keep a copy to keep it.
 */
export type ParquetWrite<T> = (index: number, bytes: AsyncIterable<Uint8Array>) => Promise<T>

/**
 * Encodes every job of `jobs` (a list, or a feed that jobs join while others are encoded), up to
 * `concurrency` at a time; results come in the jobs' order. On the first failure no further job
 * is taken, running ones end, and the failure is thrown.
 */
export async function encodeJobs<T>(jobs: JobFeed<EncodeJob> | readonly EncodeJob[], options: EncodeOptions, write: ParquetWrite<T>): Promise<T[]> {
  const feed = jobs instanceof JobFeed ? jobs : JobFeed.of(jobs)
  const lanes = Math.max(1, options.concurrency ?? availableParallelism())
  const results: T[] = []
  let failure: unknown
  const threads = options.threads ?? new EncoderThreads()
  /** Threads with a job of this call: a signal ends them at once. */
  const busy = new Set<Worker>()
  const stop = () => {
    failure ??= options.signal?.reason
    for (const worker of busy) void worker.terminate()
  }
  options.signal?.addEventListener('abort', stop, { once: true })
  const lane = async () => {
    let worker: Worker | undefined
    try {
      for (;;) {
        const taken = failure === undefined ? await feed.next() : undefined
        if (!taken || failure !== undefined) return
        // One lane, or a single job in all (and no warm thread waiting): encoded on this thread, without starting a worker.
        if (!worker && (lanes === 1 || (feed.closed && feed.size === 1 && !threads.waiting))) {
          try {
            // This thread plans too: a job still being planned is encoded here once it is complete.
            await completed(taken.job)
            const onRows = options.onRows && ((rows: number) => options.onRows!(taken.index, rows))
            results[taken.index] = await write(taken.index, encodeParquet(taken.job, options.format, onRows))
          } catch (error) {
            failure ??= error
          }
          continue
        }
        if (!worker) {
          worker = threads.take()
          busy.add(worker)
        }
        const channel = new ChunkChannel(worker, options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, options.onRows && ((rows) => options.onRows!(taken.index, rows)))
        // A worker keeps the process alive only while it has a job: an idle one must not hide a step that never finishes (stall-watchdog).
        worker.ref()
        const { job } = taken
        worker.postMessage({ type: 'encode', job: { rows: job.rows, pieces: job.pieces, complete: !growing(job) }, format: options.format } satisfies ToWorker)
        if (growing(job)) {
          const encoding = worker
          // Planning failed: the job cannot be finished, and its thread is ended.
          forwardPieces(encoding, job, job.pieces.length).catch((error: unknown) => {
            failure ??= error
            void encoding.terminate()
          })
        }
        try {
          results[taken.index] = await write(taken.index, channel)
        } catch (error) {
          failure ??= error
        } finally {
          channel.dispose()
          worker.unref()
        }
      }
    } finally {
      // Every job that did not end cleanly sets `failure`; its thread may still be encoding it, or waiting for a chunk to be taken: it is ended.
      if (worker) {
        busy.delete(worker)
        await threads.give(worker, failure === undefined)
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: lanes }, lane))
  } finally {
    options.signal?.removeEventListener('abort', stop)
    if (!options.threads) await threads.close()
  }
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error(`encoding failed: ${JSON.stringify(failure)}`)
  return results
}

/** Sends a worker the pieces that join its job while the job is still being planned, until it is complete. */
async function forwardPieces(worker: Worker, job: EncodeJob, sent: number): Promise<void> {
  while (growing(job)) {
    await job.grown!()
    // Pieces join between the planner's turns of the event loop: one message a turn, not one a piece.
    await new Promise((resolve) => setImmediate(resolve))
    const complete = !growing(job)
    worker.postMessage({ type: 'pieces', pieces: job.pieces.slice(sent), rows: job.rows, complete } satisfies ToWorker)
    sent = job.pieces.length
  }
}
