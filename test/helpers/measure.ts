/** Runs the real CLI under GNU time, for a test that bounds memory (never time: see the README). */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, PROJECT_ROOT } from './cli.js'

export interface MeasuredRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  /** Peak resident set size of the process, in MiB. */
  readonly peakRssMiB: number
  readonly seconds: number
}

export async function runMeasured(args: readonly string[], options: { input?: string; env?: Record<string, string>; discardStdout?: boolean } = {}): Promise<MeasuredRun> {
  const dir = await mkdtemp(join(tmpdir(), 'bufctl-time-'))
  try {
    const report = join(dir, 'time.txt')
    const command = options.input
      ? ['sh', '-c', `exec /usr/bin/time -f '%M %e' -o "${report}" "${process.execPath}" "${BIN}" "$@" < "${options.input}"`, 'sh', ...args]
      : ['/usr/bin/time', '-f', '%M %e', '-o', report, process.execPath, BIN, ...args]
    const child = spawn(command[0]!, command.slice(1), {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NO_COLOR: '1', BUFCTL_PATH: '', ...options.env },
      stdio: ['ignore', options.discardStdout ? 'ignore' : 'pipe', 'pipe'],
    })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk))
    const [code] = (await once(child, 'close')) as [number]
    const [kib, seconds] = (await readFile(report, 'utf8')).trim().split('\n').at(-1)!.split(' ').map(Number)
    return { code, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString(), peakRssMiB: kib! / 1024, seconds: seconds! }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
