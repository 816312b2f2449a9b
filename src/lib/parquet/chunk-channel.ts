/**
 * The main thread's end of one job's byte stream from a worker: an async iterable of the chunks
 * the worker posts. The worker sends a chunk and waits until it is taken, so at most one chunk
 * is being encoded while the previous one is written. A chunk is freed as soon as the next is
 * asked for (see ParquetWrite). A worker that fails, exits, crashes or goes silent ends the
 * iteration with an error — never a hang.
 */
import { MessageChannel, type Worker } from 'node:worker_threads'
import type { FromWorker, ToWorker } from './worker-protocol.js'

type Waiter = { resolve: (message: FromWorker) => void; reject: (error: Error) => void }

export class ChunkChannel implements AsyncIterable<Uint8Array> {
  readonly #worker: Worker
  readonly #queue: FromWorker[] = []
  #waiter: Waiter | undefined
  #failure: Error | undefined
  readonly #onMessage = (message: FromWorker) => this.#deliver(message)
  readonly #onError = (error: Error) => this.#fail(new Error(`a Parquet encoder thread failed: ${error.message}`))
  readonly #onExit = (code: number) => this.#fail(new Error(`a Parquet encoder thread exited with code ${code}`))

  readonly #idleMs: number
  readonly #onRows: ((rows: number) => void) | undefined

  /** `idleMs`: how long the worker may go without a message before its job fails; `onRows`: told of the rows the writer takes. */
  constructor(worker: Worker, idleMs: number, onRows?: (rows: number) => void) {
    this.#worker = worker
    this.#idleMs = idleMs
    this.#onRows = onRows
    worker.on('message', this.#onMessage)
    worker.on('error', this.#onError)
    worker.on('exit', this.#onExit)
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const message = await this.#take()
      if (message.type === 'done') return
      if (message.type === 'error') throw Object.assign(new Error(message.message), { code: message.code })
      if (message.type === 'rows') continue
      // The worker encodes the next chunk while this one is written.
      this.#worker.postMessage({ type: 'next' } satisfies ToWorker)
      try {
        yield message.bytes
      } finally {
        freeNow(message.bytes)
      }
    }
  }

  /** Stops listening to the worker (on every path, once the job is over). */
  dispose(): void {
    this.#worker.off('message', this.#onMessage)
    this.#worker.off('error', this.#onError)
    this.#worker.off('exit', this.#onExit)
  }

  #take(): Promise<FromWorker> {
    const queued = this.#queue.shift()
    if (queued) return Promise.resolve(queued)
    if (this.#failure) return Promise.reject(this.#failure)
    return new Promise((resolve, reject) => {
      // A thread that stops answering fails its file with a message, never a hang.
      const timer = setTimeout(() => this.#fail(new Error(`a Parquet encoder thread gave no answer for ${this.#idleMs / 1000} s`)), this.#idleMs)
      const settle =
        <T>(done: (value: T) => void) =>
        (value: T) => {
          clearTimeout(timer)
          done(value)
        }
      this.#waiter = { resolve: settle(resolve), reject: settle(reject) }
    })
  }

  #deliver(message: FromWorker): void {
    // Progress is told at once, never queued with the chunks.
    if (message.type === 'rows') {
      this.#onRows?.(message.rows)
      return
    }
    const waiter = this.#waiter
    this.#waiter = undefined
    if (waiter) waiter.resolve(message)
    else this.#queue.push(message)
  }

  #fail(error: Error): void {
    this.#failure ??= error
    const waiter = this.#waiter
    this.#waiter = undefined
    waiter?.reject(error)
  }
}

/**
 * Frees a chunk's memory now. A chunk the main thread received from a worker counts in no GC's
 * budget here: it waited for the next full collection, and a drain of 50,000 small files held
 * ~40 MiB of written chunks in the encoders' malloc arenas that way. Transferring the buffer into
 * a message that is never delivered, and closing the ports, drops its memory at once; the chunk is
 * left detached (empty).
 */
function freeNow(chunk: Uint8Array): void {
  if (chunk.byteOffset !== 0 || chunk.byteLength !== chunk.buffer.byteLength || !(chunk.buffer instanceof ArrayBuffer)) return
  const { port1, port2 } = new MessageChannel()
  try {
    port1.postMessage(null, [chunk.buffer])
  } finally {
    port1.close()
    port2.close()
  }
}
