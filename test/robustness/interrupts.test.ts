/**
 * Ctrl-C, SIGTERM and kill -9 at instants drawn from an uninterrupted run measured in the same test:
 * a stopped run exits 130 (143), leaves no temporary or held file, every row is either in the
 * Parquet or still buffered, and the next run finishes exactly once.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Table, tableToIPC } from 'apache-arrow'
import { runCli } from '../helpers/cli.js'
import { instantWithin, measureRun, runAndSignal } from '../helpers/kill.js'
import { rounds, seededRandom } from '../helpers/random.js'
import { assertExactlyOnce, copyFixture, expandIds, expectedOf, filesUnder, outputIds, readParquetRows } from '../helpers/spill.js'
import { tempDir } from '../helpers/fs.js'
import { EXPORTER_TABLES, exporterBatch } from '../fixtures/exporter-data.js'
import type { StatusReport } from '../../src/lib/inspect/index.js'

const TABLES = EXPORTER_TABLES

async function crashedExpectation(): Promise<Record<string, number[]>> {
  const expected = await expectedOf('crashed')
  return Object.fromEntries(TABLES.map((table) => [table, expandIds(expected.ids[table]!)]))
}

/** Rows still buffered in the spill root (complete rows of pending and active files), per status. */
async function bufferedRows(root: string): Promise<number> {
  const result = await runCli(['status', '--path', root, '--json'])
  return (JSON.parse(result.stdout) as StatusReport).totals.rows
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} at random instants during recover: exit ${signal === 'SIGINT' ? 130 : 143}, nothing half-written, every row written or still buffered, the next run finishes exactly once`, async (t) => {
    const total = rounds('SIGNAL_ROUNDS', 30, signal === 'SIGINT' ? 20 : 8)
    const random = seededRandom(Number(process.env.SIGNAL_SEED ?? 1126) + signal.length)
    const expected = await crashedExpectation()
    const everyRow = Object.values(expected).reduce((sum, ids) => sum + ids.length, 0)
    const calibration = await copyFixture(t, 'crashed')
    const durationMs = await measureRun(['recover', '--path', calibration.root, '--out', calibration.out])
    let stopped = 0
    for (let round = 0; round < total; round++) {
      const { root, out } = await copyFixture(t, 'crashed')
      const run = await runAndSignal(['recover', '--path', root, '--out', out, '--jobs', '2'], instantWithin(durationMs, random, 0.02, 1.1), { signal })
      const label = `round ${round}`
      // A signal in the instant between the end of the work and the exit of the process finds nothing to stop.
      const finishedFirst = run.code === 0 && !/stopping at the next safe point/.test(run.stderr)
      if (run.sent && !finishedFirst) {
        stopped++
        // A signal that lands while Node itself is still starting, before any line of bufctl runs,
        // ends the process as the signal does (a shell reports that as 130 or 143 too); nothing was done.
        const exit = run.code ?? (run.signal === signal ? (signal === 'SIGINT' ? 130 : 143) : run.code)
        assert.equal(exit, signal === 'SIGINT' ? 130 : 143, `${label}: ${run.stderr}`)
      } else assert.equal(run.code, 0, `${label}: ${run.stderr}`)
      const outputs = await filesUnder(out)
      assert.deepEqual(
        outputs.filter((file) => file.endsWith('.tmp')),
        [],
        `${label}: no temporary file`,
      )
      const spill = await filesUnder(root)
      assert.deepEqual(
        spill.filter((file) => /bufctl-held-|bufctl-commit\.json|\.tmp$/.test(file)),
        [],
        `${label}: no held file, journal or temporary file`,
      )
      const written = (await Promise.all(TABLES.map((table) => readParquetRows(join(out, table))))).reduce((sum, rows) => sum + rows.length, 0)
      assert.equal(written + (await bufferedRows(root)), everyRow, `${label}: rows in Parquet + rows still buffered = all rows`)
      const again = await runCli(['recover', '--path', root, '--out', out])
      assert.equal(again.code, 0, `${label}: ${again.stderr}`)
      await assertExactlyOnce(root, out, expected)
    }
    t.diagnostic(`${total} rounds, ${stopped} stopped by ${signal}; an uninterrupted recover took ${Math.round(durationMs)} ms`)
    assert.ok(stopped > 0, 'some runs were stopped before they finished')
  })
}

test('Ctrl-C late in a long recover keeps the parts it committed: they are reported, not written again, and the next run finishes the rest', async (t) => {
  const FILES = 32
  const ROWS = 2_000
  const make = async () => {
    const root = await tempDir(t)
    const { mkdir } = await import('node:fs/promises')
    await mkdir(join(root, 'otel_logs'))
    const { writeStream } = await import('../helpers/arrow.js')
    for (let file = 0; file < FILES; file++) {
      await writeStream(join(root, 'otel_logs', `pending-${String(file + 1).padStart(6, '0')}.ipc`), [exporterBatch('otel_logs', file * ROWS, ROWS)])
    }
    return { root, out: join(await tempDir(t), 'out') }
  }
  // About two files a part, one encoder: many parts, each committed on its own.
  const args = (root: string, out: string) => ['recover', '--path', root, '--out', out, '--target-file-size', '1MiB', '--jobs', '1', '--granularity', 'none']
  const calibration = await make()
  const durationMs = await measureRun(args(calibration.root, calibration.out))
  let partly = 0
  // From half-way: how much of a run is start-up and wind-up varies (a bundled start took 0.15 s less, and moved the parts earlier).
  for (const share of [0.5, 0.6, 0.7, 0.8, 0.87, 0.95]) {
    const { root, out } = await make()
    const run = await runAndSignal(args(root, out), Math.floor(durationMs * share), { signal: 'SIGINT' })
    if (run.code === 0) continue
    // A signal that lands as Node ends the process, the work done and reported, ends it as the
    // signal does (no JavaScript runs any more to take it): a shell reports that as 130 too.
    const endedBySignal = run.code === null && run.signal === 'SIGINT'
    assert.ok(run.code === 130 || endedBySignal, `${share}: exit ${run.code ?? run.signal}: ${run.stderr}`)
    const written = (await readParquetRows(join(out, 'otel_logs'))).length
    assert.equal(written + (await bufferedRows(root)), FILES * ROWS, `${share}: rows in Parquet + rows still buffered = all rows`)
    const match = /Done: otel_logs in part \((\d+) of (\d+) parts, ([\d,]+) rows committed\)/.exec(run.stderr)
    if (endedBySignal) assert.equal(written, FILES * ROWS, `${share}: a run ended by the signal itself had done its work`)
    // A stop that comes after the last part's commit (the run was winding up) finds the table done, and says so.
    else if (written === FILES * ROWS) assert.match(run.stderr, /Done: otel_logs\. /, `${share}: ${run.stderr}`)
    else if (written > 0) {
      partly++
      assert.ok(match, `${share}: the stop says what was committed: ${run.stderr}`)
      assert.equal(Number(match[3]!.replaceAll(',', '')), written, 'the rows it says are the rows in Parquet')
      assert.ok(Number(match[1]) < Number(match[2]))
    }
    const again = await runCli([...args(root, out), '--json'])
    assert.equal(again.code, 0, again.stderr)
    assert.equal((JSON.parse(again.stdout) as { rows: number }).rows, FILES * ROWS - written, 'the next run writes only what was left')
    const ids = (await outputIds(out, ['otel_logs'])).otel_logs!
    assert.deepEqual(
      ids,
      Array.from({ length: FILES * ROWS }, (_, i) => i),
      `${share}: every row once`,
    )
  }
  t.diagnostic(`${partly} of 6 runs stopped with parts committed; an uninterrupted recover took ${Math.round(durationMs)} ms`)
  assert.ok(partly > 0, 'some run was stopped with parts committed')
})

test('a second Ctrl-C while stopping still leaves a root the next run repairs exactly once', async (t) => {
  const calibration = await copyFixture(t, 'crashed')
  const durationMs = await measureRun(['recover', '--path', calibration.root, '--out', calibration.out])
  const random = seededRandom(77)
  for (let round = 0; round < rounds('DOUBLE_SIGNAL_ROUNDS', 8, 4); round++) {
    const { root, out } = await copyFixture(t, 'crashed')
    await runAndSignal(['recover', '--path', root, '--out', out], instantWithin(durationMs, random, 0.2, 0.9), { signal: 'SIGINT', repeatAfterMs: 5 })
    const again = await runCli(['recover', '--path', root, '--out', out])
    assert.equal(again.code, 0, again.stderr)
    await assertExactlyOnce(root, out, await crashedExpectation())
  }
})

test('kill -9 at random instants during ingest --out --max-size --flush: every row of every ingest that exited 0 is in the Parquet exactly once after a recover', async (t) => {
  const work = await tempDir(t)
  const root = join(work, 'spill')
  const out = join(work, 'out')
  const total = rounds('INGEST_FLUSH_KILL_ROUNDS', 60, 50)
  const random = seededRandom(Number(process.env.KILL_SEED ?? 4242))
  const BATCHES = 3
  const ROWS = 40
  const completed: number[] = []
  let killed = 0
  let durationMs = 0
  for (let round = 0; round < total; round++) {
    const file = join(work, `round-${round}.arrows`)
    const first = round * BATCHES * ROWS
    await writeFile(file, tableToIPC(new Table(Array.from({ length: BATCHES }, (_, b) => exporterBatch('otel_logs', first + b * ROWS, ROWS))), 'stream'))
    const args = ['ingest', 'otel_logs', file, '--path', root, '--out', out, '--max-size', '16KiB', '--flush', '--quiet']
    if (round === 0) {
      durationMs = await measureRun(args)
      completed.push(round)
      continue
    }
    // Later ingests flush what killed ones left, so they take longer: instants reach past the first one's end.
    const run = await runAndSignal(args, instantWithin(durationMs, random, 0.05, 2.5))
    if (run.code === 0) completed.push(round)
    else killed++
  }
  const recovered = await runCli(['recover', '--path', root, '--out', out])
  assert.equal(recovered.code, 0, recovered.stderr)
  const ids = (await outputIds(out, ['otel_logs'])).otel_logs!
  assert.equal(new Set(ids).size, ids.length, 'no row twice')
  const present = new Set(ids)
  for (const round of completed) {
    for (let id = round * BATCHES * ROWS; id < (round + 1) * BATCHES * ROWS; id++) assert.ok(present.has(id), `round ${round} exited 0 but row ${id} is missing`)
  }
  // An input is appended whole or not at all, so a killed ingest's rows are all there or none.
  for (let round = 0; round < total; round++) {
    const inRound = Array.from({ length: BATCHES * ROWS }, (_, i) => present.has(round * BATCHES * ROWS + i))
    assert.ok(inRound.every(Boolean) || !inRound.some(Boolean), `round ${round} is partly there`)
  }
  assert.deepEqual(
    (await readdir(join(root, 'otel_logs'))).filter((name) => /\.tmp$|bufctl-held-|bufctl-commit/.test(name)),
    [],
  )
  t.diagnostic(`${total} ingests, ${killed} killed; an uninterrupted one took ${Math.round(durationMs)} ms`)
  assert.ok(killed > 0, 'some ingests were killed before they finished')
})
