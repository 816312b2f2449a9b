/**
 * Killing and signalling the real CLI at instants drawn from a duration measured in the same test.
 * Machines differ several-fold in how fast Node starts; a fixed delay kills every run on a slow
 * machine and none on a fast one. Measuring an uninterrupted run first moves the instants with
 * the machine, never the verdict.
 */
import { readFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { BIN, PROJECT_ROOT } from './cli.js'

export interface SignalledRun {
  /** Exit code, or null when the signal ended the process. */
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** The signal was sent while the process was still running. */
  readonly sent: boolean
  readonly stderr: string
}

/**
 * Runs the CLI and sends `signal` after `delayMs` if it is still running. With `repeatAfterMs`
 * the signal is sent a second time (a second Ctrl-C).
 */
export async function runAndSignal(
  args: readonly string[],
  delayMs: number,
  options: { signal?: NodeJS.Signals; repeatAfterMs?: number; env?: Record<string, string>; cwd?: string } = {},
): Promise<SignalledRun> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', BUFCTL_PATH: '', ...options.env },
  })
  const stderr: Buffer[] = []
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
  let sent = false
  const signal = options.signal ?? 'SIGKILL'
  const timers = [
    setTimeout(() => {
      // A child that has exited but is not yet reaped still takes a signal: it is not "sent" then.
      sent = child.exitCode === null && child.signalCode === null && !hasExited(child.pid)
      child.kill(signal)
    }, delayMs),
  ]
  if (options.repeatAfterMs !== undefined) timers.push(setTimeout(() => child.kill(signal), delayMs + options.repeatAfterMs))
  const [code, exitSignal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null]
  for (const timer of timers) clearTimeout(timer)
  return { code, signal: exitSignal, sent, stderr: Buffer.concat(stderr).toString() }
}

/** Whether the kernel already counts the process as exited (a zombie awaiting its parent). */
function hasExited(pid: number | undefined): boolean {
  if (pid === undefined) return true
  try {
    // /proc/<pid>/stat: "pid (comm) state …"; comm may hold spaces and parentheses, the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z'
  } catch {
    return true
  }
}

/** Wall time of one uninterrupted run of the CLI, in milliseconds; throws if it fails. */
export async function measureRun(args: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<number> {
  const started = performance.now()
  const run = await runAndSignal(args, 24 * 3600 * 1000, options)
  if (run.code !== 0) throw new Error(`the uninterrupted run of bufctl ${args.join(' ')} exited ${run.code}: ${run.stderr}`)
  return performance.now() - started
}

/** An instant in [from × duration, to × duration), from the test's seeded random source. */
export function instantWithin(durationMs: number, random: () => number, from = 0.05, to = 1.3): number {
  return Math.floor(durationMs * (from + random() * (to - from)))
}
