/**
 * Encodes independent Parquet files on several cores: one worker thread per core (each with its
 * own parquet-wasm) takes the next job when it finishes one, and streams the file's bytes back
 * chunk by chunk; the caller's `write` consumes them (into a sink) while the worker goes on. A
 * single job, or a single core, is encoded on the calling thread without starting a worker.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { Compression } from '../output-options.js'
import type { EncodeJob } from './encode-job.js'
import { encodeParquet } from './encoder.js'
import { ChunkChannel } from './chunk-channel.js'
import type { ToWorker } from './worker-protocol.js'

export interface EncodeOptions {
  readonly compression: Compression
  /** Worker threads at most. @default the number of cores */
  readonly concurrency?: number
  /** Stops handing out jobs and ends the workers at once (their jobs fail with the signal's reason). */
  readonly signal?: AbortSignal
  /** How long a worker may go without a chunk before its job fails. @default 10 minutes */
  readonly idleTimeoutMs?: number
}

/** One chunk is at most one row group: even a large one is encoded well within this. */
const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60 * 1000

/** Consumes one job's Parquet bytes (writes them somewhere) and resolves once they are durable. */
export type ParquetWrite<T> = (index: number, bytes: AsyncIterable<Uint8Array>) => Promise<T>

/** Encodes every job; on the first failure stops handing out work, lets running jobs end, and rejects with it. */
export async function encodeJobs<T>(jobs: readonly EncodeJob[], options: EncodeOptions, write: ParquetWrite<T>): Promise<T[]> {
  const workers = Math.min(options.concurrency ?? availableParallelism(), jobs.length)
  const results: T[] = new Array<T>(jobs.length)
  if (workers <= 1) {
    for (const [index, job] of jobs.entries()) results[index] = await write(index, encodeParquet(job, options.compression))
    return results
  }
  let next = 0
  let failure: unknown
  const pool = Array.from({ length: workers }, startWorker)
  const stop = () => {
    failure ??= options.signal?.reason
    for (const worker of pool) void worker.terminate()
  }
  options.signal?.addEventListener('abort', stop, { once: true })
  try {
    await Promise.all(
      pool.map(async (worker) => {
        while (failure === undefined && next < jobs.length) {
          const index = next++
          const channel = new ChunkChannel(worker, options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS)
          worker.postMessage({ type: 'encode', job: jobs[index]!, compression: options.compression } satisfies ToWorker)
          try {
            results[index] = await write(index, channel)
          } catch (error) {
            failure ??= error
          } finally {
            channel.dispose()
          }
        }
      }),
    )
  } finally {
    options.signal?.removeEventListener('abort', stop)
    await Promise.all(pool.map((worker) => worker.terminate()))
  }
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error(`encoding failed: ${JSON.stringify(failure)}`)
  return results
}

function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./encoder-worker.js', import.meta.url))
  // Running from the TypeScript sources (tests, bin/dev.js): the worker registers tsx first.
  const script = new URL('./encoder-worker.ts', import.meta.url).href
  return new Worker(`import('tsx/esm/api').then((tsx) => tsx.register()).then(() => import(${JSON.stringify(script)}))`, { eval: true })
}
