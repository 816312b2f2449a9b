/**
 * Encodes independent output files on several cores: one worker thread per core (each with its
 * own parquet-wasm), each taking the next planned file when it finishes one. A single file, or a
 * single core, is encoded on the calling thread without starting a worker.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { PlannedOutput } from './drain-plan.js'
import { encodeOutput } from './parquet-encoder.js'
import type { Compression, WrittenOutput } from './parquet-writer.js'

export interface EncodeRequest {
  readonly id: number
  readonly plan: PlannedOutput
  readonly compression: Compression
}

export type EncodeResponse = { readonly id: number; readonly result: WrittenOutput } | { readonly id: number; readonly error: { message: string; code?: string } }

export interface EncodeOptions {
  readonly compression: Compression
  /** Worker threads at most. @default the number of cores */
  readonly concurrency?: number
  /** Told of each file once it is durable. */
  readonly onEncoded?: (output: WrittenOutput) => void
}

/** Encodes every plan; on the first failure stops handing out work and rejects with it. */
export async function encodeOutputs(plans: readonly PlannedOutput[], options: EncodeOptions): Promise<WrittenOutput[]> {
  const workers = Math.min(options.concurrency ?? availableParallelism(), plans.length)
  if (workers <= 1) {
    const results: WrittenOutput[] = []
    for (const plan of plans) {
      const result = await encodeOutput(plan, options.compression)
      options.onEncoded?.(result)
      results.push(result)
    }
    return results
  }
  const results: WrittenOutput[] = new Array(plans.length)
  let next = 0
  let failure: Error | undefined
  const pool = Array.from({ length: workers }, startWorker)
  try {
    await Promise.all(
      pool.map(async (worker) => {
        while (!failure && next < plans.length) {
          const id = next++
          const response = await request(worker, { id, plan: plans[id]!, compression: options.compression })
          if ('error' in response) {
            failure ??= Object.assign(new Error(response.error.message), { code: response.error.code })
            return
          }
          results[id] = response.result
          options.onEncoded?.(response.result)
        }
      }),
    )
  } finally {
    await Promise.all(pool.map((worker) => worker.terminate()))
  }
  if (failure) throw failure
  return results
}

function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./encoder-worker.js', import.meta.url))
  // Running from the TypeScript sources (tests, bin/dev.js): the worker registers tsx first.
  const script = new URL('./encoder-worker.ts', import.meta.url).href
  return new Worker(`import('tsx/esm/api').then((tsx) => tsx.register()).then(() => import(${JSON.stringify(script)}))`, { eval: true })
}

function request(worker: Worker, message: EncodeRequest): Promise<EncodeResponse> {
  return new Promise((resolve, reject) => {
    const onMessage = (response: EncodeResponse) => {
      cleanup()
      resolve(response)
    }
    const onError = (error: Error) => {
      cleanup()
      reject(error)
    }
    const onExit = (code: number) => {
      cleanup()
      reject(new Error(`a Parquet encoder thread exited with code ${code}`))
    }
    const cleanup = () => {
      worker.off('message', onMessage)
      worker.off('error', onError)
      worker.off('exit', onExit)
    }
    worker.on('message', onMessage)
    worker.on('error', onError)
    worker.on('exit', onExit)
    worker.postMessage(message)
  })
}
