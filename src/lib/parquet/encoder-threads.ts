/**
 * The encoder threads of a whole run. A thread that ended its last job cleanly waits here for the
 * next drain's jobs (the next part, the next table), so that each thread starts and warms up its
 * parquet-wasm once a run rather than once a part: a fresh thread's first output of 500,000 rows
 * took ~0.6 s more CPU than the next one (start-up, compiling and tiering up the wasm), and a
 * backlog of 50,000 small files is committed in ten parts.
 */
import { Worker } from 'node:worker_threads'
import { collectGarbageEarly } from '../heap-settings.js'
import { packageFile } from '../package-files.js'

export class EncoderThreads {
  /** Threads waiting for work, each with its listener for an exit meanwhile. */
  readonly #idle = new Map<Worker, () => void>()
  #closed = false

  /** Whether a thread waits for work. */
  get waiting(): boolean {
    return this.#idle.size > 0
  }

  /** A thread waiting for work, or a new one. */
  take(): Worker {
    if (this.#closed) throw new Error('the encoder threads of this run are closed')
    for (const [worker, forget] of this.#idle) {
      this.#idle.delete(worker)
      worker.off('exit', forget)
      return worker
    }
    return startWorker()
  }

  /**
   * Takes back a thread that has no job: kept for the next drain when its last job ended cleanly,
   * ended otherwise (it may still be encoding, or waiting for a chunk to be taken). A kept thread
   * does not keep the process alive.
   */
  async give(worker: Worker, clean: boolean): Promise<void> {
    worker.unref()
    if (!clean || this.#closed) {
      await worker.terminate()
      return
    }
    // A thread that dies while it waits is never handed out.
    const forget = () => void this.#idle.delete(worker)
    this.#idle.set(worker, forget)
    worker.once('exit', forget)
  }

  /** Ends every waiting thread; none is handed out afterwards. */
  async close(): Promise<void> {
    this.#closed = true
    const idle = [...this.#idle.keys()]
    this.#idle.clear()
    await Promise.all(idle.map((worker) => worker.terminate()))
  }
}

/**
 * An encoder allocates little on its JavaScript heap (its batches live in wasm and in buffers), so a
 * small young generation costs it nothing and lets each scavenge free the read buffers sooner: 50,000
 * small files peaked at 455–507 MiB with 2 MiB against 534–565 MiB with the default.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 2 }

function startWorker(): Worker {
  const worker = newWorker()
  // Creating a thread's heap puts V8's young-generation growth back to its default for every thread
  // (see heap-settings): this thread's young generation grew to 4–16 MiB (+8–30 MiB of RSS) when it
  // kept allocating meanwhile. The settings are made again at each turn of its loop until the new
  // thread runs, its heap made.
  const again = setInterval(collectGarbageEarly, 1)
  const stop = () => clearInterval(again)
  worker.once('online', stop)
  worker.once('exit', stop)
  return worker
}

function newWorker(): Worker {
  // Built: the thread's entry is dist's (this module may be part of a command's bundle, elsewhere).
  if (!import.meta.url.endsWith('.ts')) return new Worker(packageFile('dist/lib/parquet/encoder-worker.js'), { resourceLimits: WORKER_LIMITS })
  // Running from the TypeScript sources (tests, bin/dev.js): the worker registers tsx first.
  const script = new URL('./encoder-worker.ts', import.meta.url).href
  return new Worker(`import('tsx/esm/api').then((tsx) => tsx.register()).then(() => import(${JSON.stringify(script)}))`, { eval: true, resourceLimits: WORKER_LIMITS })
}
