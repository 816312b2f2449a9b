/**
 * A cli-progress bar on stderr for the library's progress events: drawn only on a TTY, never with
 * --json or --quiet. stop() must be called on every path (the commands do so in finally).
 */
import cliProgress from 'cli-progress'
import type { ProgressListener } from '../lib/progress.js'

export interface ProgressBar {
  readonly listener?: ProgressListener
  stop(): void
}

export function progressBar(enabled: boolean, label: string): ProgressBar {
  if (!enabled || !process.stderr.isTTY) return { stop: () => undefined }
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} [{bar}] {value}/{total} {table}`, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  return {
    listener: (event) => {
      if (!started) {
        bar.start(event.total, event.done, { table: event.table })
        started = true
      }
      bar.setTotal(event.total)
      bar.update(event.done, { table: event.table })
    },
    stop: () => {
      if (started) bar.stop()
    },
  }
}

/** Runs `task` with a progress listener, stopping the bar on every path. */
export async function withProgressBar<T>(enabled: boolean, label: string, task: (listener: ProgressListener | undefined) => Promise<T>): Promise<T> {
  const bar = progressBar(enabled, label)
  try {
    return await task(bar.listener)
  } finally {
    bar.stop()
  }
}
