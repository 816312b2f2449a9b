/**
 * A watchdog on its own thread: a step that spins on the main thread stops every timer there, so
 * an in-process timeout never fires. The watchdog sees the main thread's heartbeat stop and ends
 * the process with a message naming what was running.
 */
import { Worker } from 'node:worker_threads'

export interface Watchdog {
  /** The main thread is alive and now doing `what`. */
  beat(what: string): void
  stop(): Promise<void>
}

const WATCHER = `
const { workerData } = require('node:worker_threads')
const clock = new Float64Array(workerData.clock)
const label = new Uint8Array(workerData.label)
setInterval(() => {
  if (Date.now() - clock[0] < workerData.limitMs) return
  const what = Buffer.from(label).toString().replace(/\\0+$/, '')
  require('node:fs').writeSync(2, 'watchdog: no heartbeat for ' + workerData.limitMs / 1000 + ' s, the main thread is stuck in: ' + what + '\\n')
  // process.exit() here would end this thread only; the signal ends the process.
  process.kill(process.pid, 'SIGKILL')
}, 1000)
`

export function startWatchdog(limitMs: number): Watchdog {
  const clock = new SharedArrayBuffer(8)
  const label = new SharedArrayBuffer(512)
  const now = new Float64Array(clock)
  const text = new Uint8Array(label)
  now[0] = Date.now()
  const worker = new Worker(WATCHER, { eval: true, workerData: { clock, label, limitMs } })
  worker.unref()
  return {
    beat(what) {
      now[0] = Date.now()
      text.fill(0)
      text.set(Buffer.from(what).subarray(0, text.byteLength))
    },
    stop: async () => {
      await worker.terminate()
    },
  }
}
