/**
 * The progress display as a person sees it, in a real terminal (tmux): one bar for a recover of
 * several tables that only moves forward, with a rate and an ETA, and a terminal left clean (the
 * cursor shown again) when the run ends and when it is stopped with Ctrl-C. In a log: a plain line
 * every few seconds. With --json or --quiet: nothing.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readdir, rename, stat } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { join } from 'node:path'
import { BIN, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'
import { writeBigLogs } from '../helpers/s3-data.js'

const MIB = 1024 * 1024

/** Three tables of random logs, big enough for a recover of a few seconds. */
async function severalTables(t: Parameters<typeof tempDir>[0], mib: number): Promise<string> {
  const root = await tempDir(t)
  for (const table of ['otel_logs_a', 'otel_logs_b', 'otel_logs']) {
    await writeBigLogs(root, mib * MIB, 8 * MIB)
    if (table !== 'otel_logs') await rename(join(root, 'otel_logs'), join(root, table))
  }
  return root
}

function tmux(socket: string, ...args: string[]): string {
  return execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' })
}

interface Watched {
  readonly percents: number[]
  readonly screens: string[]
  readonly exit: number
  readonly cursorShown: boolean
}

/** Runs bufctl in a tmux pane and samples the screen until it exits; `interrupt` sends Ctrl-C once the bar shows. */
async function watch(t: Parameters<typeof tempDir>[0], args: string[], interrupt: boolean, columns = 160): Promise<Watched> {
  const socket = `bufctl-test-${process.pid}-${Math.random().toString(36).slice(2)}`
  const command = `'${process.execPath}' '${BIN}' ${args.map((arg) => `'${arg}'`).join(' ')}; echo "EXITED $?"; sleep 60`
  tmux(socket, 'new-session', '-d', '-s', 'run', '-x', String(columns), '-y', '12', command)
  t.after(() => {
    try {
      tmux(socket, 'kill-server')
    } catch {
      // already gone
    }
  })
  const percents: number[] = []
  const screens: string[] = []
  let interrupted = false
  const deadline = Date.now() + 5 * 60_000
  for (;;) {
    const screen = tmux(socket, 'capture-pane', '-p', '-t', 'run')
    screens.push(screen)
    const bar = /recover \[[^\]]*\] (\d+)%/.exec(screen)
    if (bar) percents.push(Number(bar[1]))
    const exited = /EXITED (\d+)/.exec(screen)
    if (exited) {
      const cursorShown = tmux(socket, 'display-message', '-p', '-t', 'run', '#{cursor_flag}').trim() === '1'
      return { percents, screens, exit: Number(exited[1]), cursorShown }
    }
    if (interrupt && !interrupted && bar && Number(bar[1]) > 0) {
      tmux(socket, 'send-keys', '-t', 'run', 'C-c')
      interrupted = true
    }
    assert.ok(Date.now() < deadline, 'the run ended')
    await sleep(100)
  }
}

test('in a terminal: one bar for every table, only forward, with rate and ETA; the cursor comes back', { timeout: 10 * 60_000 }, async (t) => {
  const root = await severalTables(t, 60)
  const out = await tempDir(t)
  const run = await watch(t, ['recover', '--path', root, '--out', out, '--granularity', 'none', '--target-file-size', '16MiB'], false)
  assert.equal(run.exit, 0, run.screens.at(-1))
  assert.ok(run.percents.length >= 3, `the bar was seen (${run.percents.length} samples)`)
  for (let i = 1; i < run.percents.length; i++) assert.ok(run.percents[i]! >= run.percents[i - 1]!, `only forward: ${run.percents.join(' ')}`)
  assert.ok(new Set(run.percents).size >= 2, `it moved: ${run.percents.join(' ')}`)
  const barScreens = run.screens.filter((screen) => /recover \[/.test(screen))
  assert.ok(
    barScreens.some((screen) => /ETA \d/.test(screen)),
    'an ETA',
  )
  assert.ok(
    barScreens.some((screen) => /\/s ·/.test(screen)),
    'a rate',
  )
  assert.ok(
    barScreens.every((screen) => (screen.match(/recover \[/g) ?? []).length === 1),
    'one bar, never two',
  )
  assert.ok(new Set(barScreens.map((screen) => /· (otel_logs\w*)/.exec(screen)?.[1])).size >= 2, 'the current table as its label')
  assert.ok(run.cursorShown, 'the cursor is shown again')
})

test('the line fits the terminal: at 60 and 80 columns the bar shrinks and the least useful parts go first; ETA has a unit', async () => {
  const { fitLine } = await import('../../src/cli/progress-bar.js')
  const fields = { doneBytes: '516.3 MiB', totalBytes: '2.0 GiB', rate: '48.2 MiB/s', eta: '31s', table: 'otel_metrics_exp_histogram (1.2 GiB written)' }
  for (const columns of [40, 60, 80, 120, 200]) {
    const line = fitLine('recover', 0.25, fields, columns)
    assert.ok(line.length <= columns - 1, `${columns} columns: ${line.length}: ${line}`)
    assert.match(line, /^recover \[█+░+\] 25%/, line)
    assert.match(line, /ETA 31s/, `${columns}: the ETA stays, with its unit`)
  }
  assert.match(fitLine('recover', 0.25, fields, 80), /516\.3 MiB of 2\.0 GiB · 48\.2 MiB\/s · ETA 31s/)
  assert.doesNotMatch(fitLine('recover', 0.25, fields, 60), /MiB\/s/, 'at 60 columns the rate goes')
  assert.match(fitLine('recover', 0.25, fields, 200), /otel_metrics_exp_histogram \(1\.2 GiB written\)$/)
  assert.match(fitLine('recover', 0.25, { ...fields, eta: 'unknown yet' }, 80), /ETA unknown yet/)
})

test('in a terminal of 60 and 80 columns, every frame of the bar fits on one line, with percentage and ETA', { timeout: 10 * 60_000 }, async (t) => {
  for (const columns of [60, 80]) {
    const root = await severalTables(t, 30)
    const out = await tempDir(t)
    const run = await watch(t, ['recover', '--path', root, '--out', out, '--granularity', 'none', '--target-file-size', '16MiB'], false, columns)
    assert.equal(run.exit, 0, run.screens.at(-1))
    const frames = run.screens.flatMap((screen) => screen.split('\n')).filter((line) => /recover \[/.test(line))
    assert.ok(frames.length > 0, `${columns}: the bar was seen`)
    for (const frame of frames) {
      assert.ok(frame.trimEnd().length < columns, `${columns}: ${frame}`)
      assert.match(frame, /recover \[[█░]+\] \d+% .*ETA (\d|unknown)/, `${columns}: ${frame}`)
    }
  }
})

test('in a terminal, Ctrl-C: the run stops at a safe point and the cursor comes back', { timeout: 10 * 60_000 }, async (t) => {
  const root = await severalTables(t, 60)
  const out = await tempDir(t)
  const run = await watch(t, ['recover', '--path', root, '--out', out, '--granularity', 'none', '--target-file-size', '16MiB'], true)
  assert.equal(run.exit, 130, run.screens.at(-1))
  assert.match(run.screens.at(-1)!, /SIGINT: stopping at the next safe point/)
  assert.ok(run.cursorShown, 'the cursor is shown again')
})

test('in a log: a plain line every few seconds; with --json or --quiet: no progress at all', { timeout: 10 * 60_000 }, async (t) => {
  const root = await severalTables(t, 60)
  const copy = await tempDir(t)
  execFileSync('cp', ['-a', `${root}/.`, copy])
  const out = await tempDir(t)
  const started = performance.now()
  const logged = await runCli(['recover', '--path', root, '--out', out, '--granularity', 'none', '--target-file-size', '16MiB'])
  const seconds = (performance.now() - started) / 1000
  assert.equal(logged.code, 0, logged.stderr)
  const lines = logged.stderr.split('\n').filter((line) => line.startsWith('recover: '))
  // One line per five seconds of work (the first after five seconds): as many as the run lasted.
  assert.ok(lines.length <= Math.ceil(seconds / 5), `${lines.length} lines in ${seconds.toFixed(1)} s`)
  if (seconds > 7) assert.ok(lines.length >= 1, `a line after five seconds (${seconds.toFixed(1)} s)`)
  for (const line of lines) assert.match(line, /^recover: [\d.]+ \w+ of [\d.]+ \w+ \(\d+%\), [\d.]+ \w+\/s, ETA (\d\S*|unknown yet), otel_logs/)
  const json = await runCli(['recover', '--path', copy, '--out', await tempDir(t), '--granularity', 'none', '--json'])
  assert.equal(json.code, 0)
  assert.equal(json.stderr, '', 'nothing on stderr under --json')
})

test('a run that finishes an interrupted commit counts the files it held in the run’s total', async (t) => {
  const root = await tempDir(t)
  const out = await tempDir(t)
  await writeBigLogs(root, 2 * MIB, MIB)
  const directory = join(root, 'otel_logs')
  const names = (await readdir(directory)).filter((name) => name.endsWith('.ipc'))
  const total = (await Promise.all(names.map(async (name) => (await stat(join(directory, name))).size))).reduce((sum, size) => sum + size, 0)
  const killed = await runCli(['recover', '--path', root, '--out', out], { env: { BUFCTL_CRASH_AT: 'files-held' } })
  assert.notEqual(killed.code, 0)

  const { replay } = await import('../../src/lib/replay/index.js')
  const events: { done: number; total: number }[] = []
  const report = await replay({ mode: 'recover', root, out, progress: (event) => events.push(event) })
  assert.equal(report.failed.length, 0)
  assert.ok(names.length > 1 && events.length > 0)
  assert.ok(
    events.every((event) => event.total === total),
    `totals ${[...new Set(events.map((event) => event.total))].join(', ')}, files ${total}`,
  )
  assert.equal(events.at(-1)!.done, total)
})
