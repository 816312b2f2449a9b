/** Worker thread body: encodes the jobs the pool sends, one at a time, streaming each file's bytes back. */
import { parentPort } from 'node:worker_threads'
import { once } from 'node:events'
import { Changes } from '../changes.js'
import { growing, type BatchPiece, type EncodeJob } from './encode-job.js'
import type { FromWorker, ToWorker } from './worker-protocol.js'
import { encodeParquet } from './encoder.js'
import { collectGarbageEarly } from '../heap-settings.js'

// This thread's heap was just created, which put V8's young-generation growth back to its default.
collectGarbageEarly()

const port = parentPort!

/** Resolves at the pool's next `next` message: the previous chunk has been taken. */
async function taken(): Promise<void> {
  for (;;) {
    const [message] = (await once(port, 'message')) as [ToWorker]
    if (message.type === 'next') return
  }
}

/** The job as this thread knows it: the pieces the pool sent so far, and more as `pieces` messages bring them. */
class ArrivingJob implements EncodeJob {
  readonly pieces: BatchPiece[]
  rows: number
  readonly #changes = new Changes()

  constructor(job: EncodeJob) {
    this.pieces = [...job.pieces]
    this.rows = job.rows
    if (!growing(job)) this.#changes.end()
  }

  get complete(): boolean {
    return this.#changes.ended
  }

  extend(message: Extract<ToWorker, { type: 'pieces' }>): void {
    this.pieces.push(...message.pieces)
    this.rows = message.rows
    if (message.complete) this.#changes.end()
    else this.#changes.changed()
  }

  grown(): Promise<void> {
    return this.#changes.next()
  }
}

async function encode(message: Extract<ToWorker, { type: 'encode' }>): Promise<void> {
  // Listening before the first await: the pool sends a growing job's next pieces right after it.
  const job = new ArrivingJob(message.job)
  const arriving = (next: ToWorker) => {
    if (next.type === 'pieces') job.extend(next)
  }
  port.on('message', arriving)
  try {
    const progress = (rows: number) => port.postMessage({ type: 'rows', rows } satisfies FromWorker)
    for await (const chunk of encodeParquet(job, message.format, progress)) {
      // A chunk may be a view into a larger buffer: copy it so the transfer moves just these bytes.
      const bytes = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength ? chunk : chunk.slice()
      port.postMessage({ type: 'chunk', bytes } satisfies FromWorker, [bytes.buffer as ArrayBuffer])
      await taken()
    }
    port.postMessage({ type: 'done' } satisfies FromWorker)
  } catch (error) {
    const { message: text, code } = error as NodeJS.ErrnoException
    port.postMessage({ type: 'error', message: error instanceof Error ? text : String(error), code } satisfies FromWorker)
  } finally {
    port.off('message', arriving)
  }
}

// One job at a time: the pool sends the next only after this one's `done` or `error`.
port.on('message', (message: ToWorker) => {
  if (message.type === 'encode') void encode(message)
})
