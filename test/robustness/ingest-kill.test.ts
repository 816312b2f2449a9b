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
