/**
 * The planner reads stream files on the event loop's own thread (read(2), no thread-pool round
 * trips): it must still take turns, so that a Ctrl-C, the encoders' chunks and the progress display
 * get through while one big file is planned. It tells of each output as it opens, so that it can be
 * written while it grows.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Table, tableToIPC } from 'apache-arrow'
import { planDrain, type GrowingOutput } from '../../src/lib/replay/drain-plan.js'
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

test('a signal raised on a later turn of the event loop stops the planning of a big file before its end, and whoever waits for an open output to grow is told', async (t) => {
  const file = await bigStreamFile(await tempDir(t))
  const controller = new AbortController()
  const opened: GrowingOutput[] = []
  // Raised from the event loop, as a Ctrl-C is: it lands only if the planner takes a turn.
  const onOpen = (output: GrowingOutput) => {
    opened.push(output)
    // The second output opens once the first is full.
    if (opened.length === 2) setImmediate(() => controller.abort(new Error('stopped by the test')))
  }
  await assert.rejects(planDrain([{ name: 'pending-000001.ipc', ...file }], { ...planOptions, signal: controller.signal, onOpen }), /stopped by the test/)
  const rows = opened.reduce((sum, output) => sum + output.rows, 0)
  assert.ok(rows < (BATCHES * ROWS) / 2, `planning stopped early (${rows} of ${BATCHES * ROWS} rows planned)`)
  assert.equal(opened[0]!.complete, true, 'the full output is complete')
  const open = opened.at(-1)!
  assert.equal(open.complete, false, 'the output being planned when the signal came is not complete')
  await assert.rejects(open.grown(), /stopped by the test/)
})

test('each output is told of as it opens, with its first piece and the name it keeps; it grows until it is full or planning ends', async (t) => {
  const file = await bigStreamFile(await tempDir(t))
  const opened: { output: GrowingOutput; path: string; pieces: number; complete: boolean }[] = []
  const growth: number[] = []
  const onOpen = (output: GrowingOutput) => {
    opened.push({ output, path: output.path, pieces: output.pieces.length, complete: output.complete })
    // A waiter on the first output is woken as pieces join, until it is complete.
    if (opened.length === 1) {
      void (async () => {
        while (!output.complete) {
          await output.grown()
          growth.push(output.pieces.length)
        }
      })()
    }
  }
  const source = [{ name: 'pending-000001.ipc', ...file }]
  const plan = await planDrain(source, { ...planOptions, onOpen })
  assert.deepEqual(
    opened.map((entry) => entry.path),
    plan.outputs.map((output) => output.path),
    'every output was told of, in order, by the name it kept',
  )
  assert.ok(
    opened.every((entry) => entry.pieces === 1 && !entry.complete),
    'each is told of with its first piece, before it is complete',
  )
  assert.ok(
    plan.outputs.every((output) => (output as GrowingOutput).complete),
    'every output is complete once planned',
  )
  assert.ok(growth.length > 1 && growth.at(-1) === plan.outputs[0]!.pieces.length, `the first output's waiter saw it grow (${growth.join(', ')})`)
  // The same files planned again give the same names.
  const again = await planDrain(source, planOptions)
  assert.deepEqual(
    again.outputs.map((output) => output.path),
    plan.outputs.map((output) => output.path),
  )
})

test('many files shared by two encoders are planned side by side: each output holds one contiguous half, and both open at the start', async (t) => {
  const directory = await tempDir(t)
  const files: { name: string; path: string; bytes: number }[] = []
  // 24 files of ~0.85 MiB: above the drain size from which encoders share the work.
  for (let index = 0; index < 24; index++) {
    const name = `pending-${String(index + 1).padStart(6, '0')}.ipc`
    const path = join(directory, name)
    await writeFile(path, tableToIPC(new Table(Array.from({ length: 24 }, (_, b) => exporterBatch('otel_logs', (index * 24 + b) * ROWS, ROWS))), 'stream'))
    files.push({ name, path, bytes: (await stat(path)).size })
  }
  const total = files.reduce((sum, file) => sum + file.bytes, 0)
  assert.ok(total >= 16 * 1024 * 1024, `${total} bytes`)
  // At each opening, the rows the first output held.
  const openedAfter: number[] = []
  let first: GrowingOutput | undefined
  const plan = await planDrain(files, {
    ...planOptions,
    targetFileBytes: 256 * 1024 * 1024,
    shareAmong: 2,
    onOpen: (output) => {
      openedAfter.push(first?.rows ?? 0)
      first ??= output
    },
  })
  assert.equal(plan.outputs.length, 2)
  // The second output opened after a single file of the first was planned, not after half of them.
  assert.deepEqual(openedAfter, [0, 24 * ROWS])
  const sourcesOf = (output: (typeof plan.outputs)[number]) => [...new Set(output.pieces.map((piece) => piece.source))]
  // Contiguous halves of near-equal bytes: the first files in the first output, the rest in the second.
  const half = sourcesOf(plan.outputs[0]!).length
  assert.ok(Math.abs(half - 12) <= 1, `${half} files in the first output`)
  assert.deepEqual(
    sourcesOf(plan.outputs[0]!),
    files.slice(0, half).map((file) => file.path),
  )
  assert.deepEqual(
    sourcesOf(plan.outputs[1]!),
    files.slice(half).map((file) => file.path),
  )
  // Every row once, and the files' outcomes in their own order.
  assert.equal(plan.rows, 24 * 24 * ROWS)
  assert.deepEqual(
    plan.files.map((file) => file.name),
    files.map((file) => file.name),
  )
})
