/**
 * One progress display per run, fed by the library's `bytes` events (the run's input bytes done of
 * all, known up front): on a terminal, a cli-progress bar on stderr with the rate and the time left
 * and the current table as its label; elsewhere (cron, CI logs), one plain line every few seconds.
 * Never with --json or --quiet. stop() must be called on every path (the commands do so in finally,
 * and on the first Ctrl-C): it restores the cursor; events after it are ignored.
 */
import cliProgress from 'cli-progress'
import type { ProgressEvent, ProgressListener } from '../lib/replay/index.js'
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

  /** Notes where the run stood when its first event came: the rate counts from there. */
  observe(done: number): void {
    this.#first ??= done
  }

  measure(done: number, total: number): { perSecond: number; secondsLeft: number | undefined } {
    this.#first ??= done
    const seconds = (performance.now() - this.#started) / 1000
    const perSecond = seconds > 0.5 ? (done - this.#first) / seconds : 0
    return { perSecond, secondsLeft: perSecond > 0 ? (total - done) / perSecond : undefined }
  }
}

function terminalBar(label: string): ProgressBar {
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    // Drawn to the terminal's width at each frame (a resized window included).
    format: (_options, params, payload: Described) => fitLine(label, params.progress, payload, process.stderr.columns || 80),
    hideCursor: true,
    clearOnComplete: true,
    fps: 5,
  })
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

/** The bar's width at most; it shrinks to what the terminal leaves, down to this. */
const BAR_MAX = 40
const BAR_MIN = 10

/**
 * One progress line that fits `columns`: `label [bar] 25% · 12.3 MiB of 48.0 MiB · 4.1 MiB/s · ETA 9s · table`.
 * What does not fit is left out, least useful first — the table (cut before it is dropped), the
 * rate, the byte counts — and the bar shrinks; label, bar, percentage and ETA stay.
 */
export function fitLine(label: string, progress: number, fields: Described, columns: number): string {
  const room = Math.max(20, columns - 1)
  const percent = `${Math.floor(Math.min(1, Math.max(0, progress)) * 100)}%`
  const eta = `ETA ${fields.eta}`
  const counts = `${fields.doneBytes} of ${fields.totalBytes}`
  const width = (parts: readonly string[]) => `${label} [] ${percent}`.length + parts.reduce((sum, part) => sum + 3 + part.length, 0)
  // By importance; shown in display order.
  const chosen = new Set<string>()
  for (const part of [eta, counts, fields.rate]) if (width([...chosen, part]) + BAR_MIN <= room) chosen.add(part)
  const order = [counts, fields.rate, eta].filter((part) => chosen.has(part))
  let left = room - width(order) - BAR_MIN
  let table = ''
  if (left >= 3 + 6) {
    table = fields.table.length <= left - 3 ? fields.table : `${fields.table.slice(0, left - 4)}…`
    left -= 3 + table.length
  }
  const barWidth = Math.min(BAR_MAX, BAR_MIN + Math.max(0, left))
  const filled = Math.round(Math.min(1, Math.max(0, progress)) * barWidth)
  const parts = [`${label} [${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}] ${percent}`, ...order, ...(table ? [table] : [])]
  return parts.join(' · ').replace(' · ', ' ')
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
      if (event.phase !== 'bytes') return
      rate.observe(event.done)
      latest = event
    },
    stop: () => clearInterval(timer),
  }
}

/** A progress event in words. */
export interface Described {
  readonly doneBytes: string
  readonly totalBytes: string
  readonly rate: string
  readonly eta: string
  readonly table: string
}

function describe(event: ProgressEvent, rate: Rate): Described {
  const { perSecond, secondsLeft } = rate.measure(event.done, event.total)
  return {
    doneBytes: formatBytes(Math.round(event.done)),
    totalBytes: formatBytes(event.total),
    rate: `${formatBytes(Math.round(perSecond))}/s`,
    eta: secondsLeft === undefined || !Number.isFinite(secondsLeft) ? 'unknown yet' : formatDuration(secondsLeft),
    table: printable(event.table) + (event.stored ? ` (${formatBytes(event.stored)} written)` : ''),
  }
}

function formatDuration(seconds: number): string {
  const whole = Math.ceil(seconds)
  if (whole < 60) return `${whole}s`
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`
}
