/**
 * One progress display per run, fed by the library's `bytes` events (the run's input bytes done of
 * all, known up front): on a terminal, a cli-progress bar on stderr with the rate and the time left
 * and the current table as its label; elsewhere (cron, CI logs), one plain line every few seconds.
 * Never with --json or --quiet. stop() must be called on every path (the commands do so in finally,
 * and on the first Ctrl-C): it restores the cursor; events after it are ignored.
 */
import cliProgress from 'cli-progress'
import type { ProgressEvent, ProgressListener } from '../lib/progress.js'
import { formatBytes, printable } from './style.js'

export interface ProgressBar {
  readonly listener?: ProgressListener
  stop(): void
}

/** How often a log gets a progress line. */
const LINE_INTERVAL_MS = 5_000

export function progressBar(enabled: boolean, label: string): ProgressBar {
  if (!enabled) return { stop: () => undefined }
  return process.stderr.isTTY ? terminalBar(label) : progressLines(label)
}

/** Bytes per second since the first event, and the time left at that rate. */
class Rate {
  readonly #started = performance.now()
  #first: number | undefined

  measure(done: number, total: number): { perSecond: number; secondsLeft: number | undefined } {
    this.#first ??= done
    const seconds = (performance.now() - this.#started) / 1000
    const perSecond = seconds > 0.5 ? (done - this.#first) / seconds : 0
    return { perSecond, secondsLeft: perSecond > 0 ? (total - done) / perSecond : undefined }
  }
}

function terminalBar(label: string): ProgressBar {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% {doneBytes} of {totalBytes} · {rate} · ETA {eta} · {table}`,
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  )
  const rate = new Rate()
  let state: 'idle' | 'drawing' | 'stopped' = 'idle'
  return {
    listener: (event) => {
      if (state === 'stopped' || event.phase !== 'bytes') return
      const payload = describe(event, rate)
      if (state === 'idle') {
        bar.start(Math.max(event.total, 1), event.done, payload)
        state = 'drawing'
      }
      bar.setTotal(Math.max(event.total, 1))
      bar.update(event.done, payload)
    },
    stop: () => {
      if (state === 'drawing') bar.stop()
      state = 'stopped'
    },
  }
}

function progressLines(label: string): ProgressBar {
  const rate = new Rate()
  let latest: ProgressEvent | undefined
  let printed: ProgressEvent | undefined
  const timer = setInterval(() => {
    if (!latest || latest === printed) return
    printed = latest
    const { doneBytes, totalBytes, rate: speed, eta, table } = describe(latest, rate)
    const percent = latest.total > 0 ? Math.floor((100 * latest.done) / latest.total) : 0
    process.stderr.write(`${label}: ${doneBytes} of ${totalBytes} (${percent}%), ${speed}, ETA ${eta}, ${table}\n`)
  }, LINE_INTERVAL_MS)
  timer.unref()
  return {
    listener: (event) => {
      if (event.phase === 'bytes') latest = event
    },
    stop: () => clearInterval(timer),
  }
}

function describe(event: ProgressEvent, rate: Rate): { doneBytes: string; totalBytes: string; rate: string; eta: string; table: string } {
  const { perSecond, secondsLeft } = rate.measure(event.done, event.total)
  return {
    doneBytes: formatBytes(Math.round(event.done)),
    totalBytes: formatBytes(event.total),
    rate: `${formatBytes(Math.round(perSecond))}/s`,
    eta: secondsLeft === undefined ? '–' : formatDuration(secondsLeft),
    table: printable(event.table) + (event.stored ? ` (${formatBytes(event.stored)} written)` : ''),
  }
}

function formatDuration(seconds: number): string {
  const whole = Math.ceil(seconds)
  if (whole < 60) return `${whole}s`
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`
}
