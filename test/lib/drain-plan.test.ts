/**
 * The planner reads stream files on the event loop's own thread (read(2), no thread-pool round
 * trips): it must still take turns, so that a Ctrl-C, the encoders' chunks and the progress display
 * get through while one big file is planned.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Table, tableToIPC } from 'apache-arrow'
import { planDrain, type PlannedOutput } from '../../src/lib/replay/drain-plan.js'
import { exporterBatch } from '../fixtures/exporter-data.js'
import { tempDir } from '../helpers/fs.js'

const BATCHES = 400
const ROWS = 100

async function bigStreamFile(directory: string): Promise<{ path: string; bytes: number }> {
  const path = join(directory, 'pending-000001.ipc')
  await writeFile(path, tableToIPC(new Table(Array.from({ length: BATCHES }, (_, b) => exporterBatch('otel_logs', b * ROWS, ROWS))), 'stream'))
  return { path, bytes: (await stat(path)).size }
}

const planOptions = { table: 'otel_logs', identity: 'host:/spill/otel_logs', targetFileBytes: 1024 * 1024, granularity: 'none', damage: 'strict' } as const

test('one big stream file is planned batch by batch from its bytes: every row, in outputs of about the target size', async (t) => {
  const file = await bigStreamFile(await tempDir(t))
  assert.ok(file.bytes > 4 * 1024 * 1024, `the file is bigger than what is read whole (${file.bytes} bytes)`)
  const plan = await planDrain([{ name: 'pending-000001.ipc', ...file }], planOptions)
  assert.equal(plan.rows, BATCHES * ROWS)
  assert.equal(
    plan.outputs.reduce((sum, output) => sum + output.rows, 0),
    BATCHES * ROWS,
  )
  assert.ok(plan.outputs.length >= 4, `${plan.outputs.length} outputs`)
  // Pieces follow the file in order, each a whole batch.
  const starts = plan.outputs.flatMap((output) => output.pieces.map((piece) => piece.batch.start))
  assert.deepEqual(
    starts,
    [...starts].sort((a, b) => a - b),
  )
  assert.equal(starts.length, BATCHES)
})

test('a signal raised on a later turn of the event loop stops the planning of a big file before its end', async (t) => {
  const file = await bigStreamFile(await tempDir(t))
  const controller = new AbortController()
  const handed: PlannedOutput[] = []
  // Raised from the event loop, as a Ctrl-C is: it lands only if the planner takes a turn.
  const onOutput = (output: PlannedOutput) => {
    handed.push(output)
    if (handed.length === 1) setImmediate(() => controller.abort(new Error('stopped by the test')))
  }
  await assert.rejects(planDrain([{ name: 'pending-000001.ipc', ...file }], { ...planOptions, signal: controller.signal, onOutput }), /stopped by the test/)
  const rows = handed.reduce((sum, output) => sum + output.rows, 0)
  assert.ok(rows < (BATCHES * ROWS) / 2, `planning stopped early (${rows} of ${BATCHES * ROWS} rows handed over)`)
})
