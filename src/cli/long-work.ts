/**
 * Long work as the commands run it: a progress bar (when wanted), and Ctrl-C or SIGTERM turned
 * into a stop at the library's next safe point, with the terminal restored on every path.
 */
import type { ProgressListener } from '../lib/replay/index.js'
import { listenForInterrupts } from './interrupts.js'
import { progressBar } from './progress-bar.js'

export interface LongWork {
  readonly progress?: ProgressListener
  readonly signal: AbortSignal
}

/** Runs `task`; resolves to its result and the signal that stopped it, if one did. */
export async function runLongWork<T>(showProgress: boolean, label: string, task: (work: LongWork) => Promise<T>): Promise<{ result: T; stoppedBy?: string }> {
  const bar = progressBar(showProgress, label)
  const interrupts = listenForInterrupts(
    (signal) => {
      bar.stop()
      process.stderr.write(
        `\n${signal}: stopping at the next safe point (the commit in flight is finished or undone). Press Ctrl-C again to stop at once; the next run repairs it.\n`,
      )
    },
    () => bar.stop(),
  )
  try {
    const result = await task({ progress: bar.listener, signal: interrupts.signal })
    return { result, stoppedBy: interrupts.received() }
  } finally {
    bar.stop()
    interrupts.dispose()
  }
}
