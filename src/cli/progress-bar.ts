/**
 * A cli-progress bar on stderr for the library's progress events: drawn only on a TTY, never with
 * --json or --quiet. stop() must be called on every path (the commands do so in finally, and on
 * the first Ctrl-C): it restores the cursor; events after it are ignored.
 */
import cliProgress from 'cli-progress'
import type { ProgressListener } from '../lib/progress.js'
import { printable } from './style.js'

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
  let state: 'idle' | 'drawing' | 'stopped' = 'idle'
  return {
    listener: (event) => {
      if (state === 'stopped') return
      if (state === 'idle') {
        bar.start(event.total, event.done, { table: printable(event.table) })
        state = 'drawing'
      }
      bar.setTotal(event.total)
      bar.update(event.done, { table: printable(event.table) })
    },
    stop: () => {
      if (state === 'drawing') bar.stop()
      state = 'stopped'
    },
  }
}
