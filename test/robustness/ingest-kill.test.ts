import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Table, tableToIPC } from 'apache-arrow'
import { BIN, runCli } from '../helpers/cli.js'
import { instantWithin, measureRun, runAndSignal } from '../helpers/kill.js'
import { outputIds } from '../helpers/spill.js'
import { rounds, seededRandom } from '../helpers/random.js'
import { tempDir } from '../helpers/fs.js'
import { exporterBatch } from '../fixtures/exporter-data.js'
import { DiskStore } from '../../src/lib/buffer/disk-store.js'

const BATCHES = 8
const ROWS = 25

test('kill -9 during ingest: files whose ingest exited 0 are present exactly once, no partial batch is visible, the table opens', async (t) => {
  const work = await tempDir(t)
  const root = join(work, 'spill')
  const total = rounds('INGEST_KILL_ROUNDS', 30, 20)
  const random = seededRandom(Number(process.env.KILL_SEED ?? 99))
  const completed: number[] = []
  let killed = 0
  let durationMs = 0
  for (let round = 0; round < total; round++) {
    const first = round * BATCHES * ROWS
    const file = join(work, `round-${round}.arrows`)
    await writeFile(file, tableToIPC(new Table(Array.from({ length: BATCHES }, (_, b) => exporterBatch('otel_logs', first + b * ROWS, ROWS))), 'stream'))
    const args = ['ingest', 'otel_logs', file, '--path', root, '--quiet']
    if (round === 0) {
      // The first ingest runs uninterrupted: its duration on this machine places the kill instants.
      durationMs = await measureRun(args)
      completed.push(round)
      continue
    }
    const run = await runAndSignal(args, instantWithin(durationMs, random))
    if (run.code === 0) completed.push(round)
    else killed++
  }
  t.diagnostic(`${total} ingests, ${killed} killed; an uninterrupted one took ${Math.round(durationMs)} ms`)

  // The table opens as the exporter would open it (recovery tolerates a torn tail).
  const store = await DiskStore.open(join(root, 'otel_logs'))
  await store.close()
  const recovered = await runCli(['recover', '--path', root, '--out', join(work, 'out')])
  assert.equal(recovered.code, 0, recovered.stderr)
  const ids = (await outputIds(join(work, 'out'), ['otel_logs'])).otel_logs!
  assert.equal(new Set(ids).size, ids.length, 'no row twice')
  const present = new Set(ids)
  for (const round of completed) {
    for (let id = round * BATCHES * ROWS; id < (round + 1) * BATCHES * ROWS; id++) assert.ok(present.has(id), `round ${round} exited 0 but row ${id} is missing`)
  }
  for (let batchStart = 0; batchStart < total * BATCHES * ROWS; batchStart += ROWS) {
    const inBatch = Array.from({ length: ROWS }, (_, i) => present.has(batchStart + i))
    assert.ok(inBatch.every(Boolean) || !inBatch.some(Boolean), `batch at ${batchStart} is partly visible`)
  }
  assert.ok(killed > 0, 'some ingests were killed before they finished')
})

test('a multi-file ingest killed right before or right after an input becomes a pending file, then run again: every input once', async (t) => {
  const work = await tempDir(t)
  const files: string[] = []
  for (let input = 0; input < 4; input++) {
    const file = join(work, `in-${input}.arrows`)
    await writeFile(file, tableToIPC(new Table([exporterBatch('otel_logs', input * 100, 100)]), 'stream'))
    files.push(file)
  }
  for (const point of ['ingest-intent-recorded', 'ingest-renamed']) {
    for (const input of [1, 3, 4]) {
      const root = join(work, `spill-${point}-${input}`)
      const args = ['ingest', 'otel_logs', ...files, '--path', root, '--quiet']
      const killed = await runCli(args, { env: { BUFCTL_CRASH_AT: `${point}#${input}` } })
      assert.equal(killed.code, -1, `killed at ${point} of input ${input}: ${killed.stderr}`)
      const again = await runCli(args)
      assert.equal(again.code, 0, again.stderr)
      const out = join(work, `out-${point}-${input}`)
      assert.equal((await runCli(['recover', '--path', root, '--out', out])).code, 0)
      const ids = (await outputIds(out, ['otel_logs'])).otel_logs!
      assert.deepEqual(
        ids,
        Array.from({ length: 400 }, (_, i) => i),
        `${point} of input ${input}: rows 0–399, each once`,
      )
    }
  }
})

test('kill -9 during a multi-file ingest, then the same command again: every input present exactly once', async (t) => {
  const work = await tempDir(t)
  const root = join(work, 'spill')
  const total = rounds('INGEST_MULTI_KILL_ROUNDS', 40, 25)
  const random = seededRandom(Number(process.env.KILL_SEED ?? 7))
  const INPUTS = 5
  const PER_INPUT = 2_000
  const inputs = async (round: number): Promise<string[]> => {
    const files: string[] = []
    for (let input = 0; input < INPUTS; input++) {
      const first = (round * INPUTS + input) * PER_INPUT
      const file = join(work, `round-${round}-${input}.arrows`)
      await writeFile(file, tableToIPC(new Table([exporterBatch('otel_logs', first, PER_INPUT)]), 'stream'))
      files.push(file)
    }
    return files
  }
  // The quickest of three uninterrupted runs (into roots of their own): one run slowed by the
  // machine (1.3 s where 0.3–0.55 s is usual) put every kill instant after the ingests had ended.
  const calibration = await inputs(total)
  let durationMs = Infinity
  for (let run = 0; run < 3; run++)
    durationMs = Math.min(durationMs, await measureRun(['ingest', 'otel_logs', ...calibration, '--path', join(work, `calibration-${run}`), '--quiet']))
  let killed = 0
  let reruns = 0
  for (let round = 0; round < total; round++) {
    const files = await inputs(round)
    const args = ['ingest', 'otel_logs', ...files, '--path', root, '--quiet']
    const run = await runAndSignal(args, instantWithin(durationMs, random, 0.3, 1.1))
    if (run.code === 0) continue
    killed++
    // The documented re-run: the same command, until it succeeds.
    const again = await runCli(args)
    reruns++
    assert.equal(again.code, 0, again.stderr)
  }
  t.diagnostic(`${total} multi-file ingests, ${killed} killed and run again; an uninterrupted one took ${Math.round(durationMs)} ms`)
  const recovered = await runCli(['recover', '--path', root, '--out', join(work, 'out')])
  assert.equal(recovered.code, 0, recovered.stderr)
  const ids = (await outputIds(join(work, 'out'), ['otel_logs'])).otel_logs!
  assert.equal(ids.length, total * INPUTS * PER_INPUT, `every input once (${ids.length} rows, ${new Set(ids).size} distinct)`)
  assert.equal(new Set(ids).size, ids.length, 'no row twice')
  assert.ok(killed > 0 && reruns === killed, 'some ingests were killed and run again')
})

test('ingest --fsync fsyncs the spilled stream (seen by strace)', async (t) => {
  const work = await tempDir(t)
  const input = join(work, 'in.arrows')
  await writeFile(input, tableToIPC(new Table([exporterBatch('otel_logs', 0, 10)]), 'stream'))
  const trace = join(work, 'trace.txt')
  for (const fsync of [false, true]) {
    const args = ['-f', '-y', '-qq', '-e', 'trace=fsync,fdatasync', '-o', trace, process.execPath, BIN, 'ingest', 'otel_logs', input, '--path', join(work, `spill-${fsync}`)]
    const child = spawn('strace', fsync ? [...args, '--fsync'] : args, { stdio: 'ignore' })
    const [code] = (await once(child, 'exit')) as [number]
    assert.equal(code, 0)
    // The data file, under its temporary name before the rename (bufctl's own bookkeeping is always synced).
    const synced = (await readFile(trace, 'utf8'))
      .split('\n')
      .some((line) => /fsync|fdatasync/.test(line) && (line.includes(`spill-${fsync}/otel_logs/.bufctl-ingest-`) || line.includes(`spill-${fsync}/otel_logs/pending-`)))
    assert.equal(synced, fsync, `--fsync ${fsync ? 'on' : 'off'}`)
  }
})
