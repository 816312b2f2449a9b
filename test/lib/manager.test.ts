import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { RecordBatch } from 'apache-arrow'
import { Manager, type FlushFunc, type ManagerOptions } from '../../src/lib/buffer/manager.js'
import { BatchRejectedError, FlushFailedError, InvalidOptionsError, StoreClosedError } from '../../src/lib/index.js'
import { idBatch, idsOf, writeStream } from '../helpers/arrow.js'
import { listDir, tempDir } from '../helpers/fs.js'
import { mkdir } from 'node:fs/promises'

/** A flush sink that records what each table received. */
function recordingSink(bytesPerRow = 10) {
  const received = new Map<string, number[]>()
  let calls = 0
  const flush: FlushFunc = async (table, batches: readonly RecordBatch[], rows) => {
    calls++
    received.set(table, [...(received.get(table) ?? []), ...idsOf(batches)])
    return rows * bytesPerRow
  }
  return { flush, received, calls: () => calls }
}

/** Lets queued promise callbacks run (setImmediate is not mocked by the tests below). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
}

test('manager: add then flush hands the rows to the flush function', async () => {
  const sink = recordingSink()
  const manager = new Manager({ flush: sink.flush })
  await manager.add('otel_logs', idBatch(0, 3))
  await manager.add('otel_logs', idBatch(3, 2))
  assert.equal(await manager.flush('otel_logs'), 5)
  assert.deepEqual(sink.received.get('otel_logs'), [0, 1, 2, 3, 4])
  assert.equal((await manager.buffer('otel_logs')).isEmpty(), true)
  await manager.stop()
})

test('manager: size trigger — with a 100-byte cap and 256 bytes/row the second add flushes first', async () => {
  const sink = recordingSink()
  const manager = new Manager({ flush: sink.flush, maxSizeBytes: 100 })
  await manager.add('t', idBatch(0, 1))
  assert.equal(sink.calls(), 0)
  await manager.add('t', idBatch(1, 1))
  assert.equal(sink.calls(), 1)
  assert.deepEqual(sink.received.get('t'), [0])
  assert.equal((await manager.buffer('t')).rows(), 1)
  await manager.stop()
  assert.deepEqual(sink.received.get('t'), [0, 1])
})

test('manager: a failed flush at the cap rejects the new batch and keeps the earlier rows', async () => {
  let failing = true
  const received: number[] = []
  const manager = new Manager({
    maxSizeBytes: 100,
    flush: async (_table, batches) => {
      if (failing) throw new Error('bucket unreachable')
      received.push(...idsOf(batches))
      return 100
    },
  })
  await manager.add('t', idBatch(0, 2))
  await assert.rejects(manager.add('t', idBatch(2, 1)), (error: unknown) => {
    assert.ok(error instanceof BatchRejectedError)
    assert.match(error.message, /bucket unreachable/)
    assert.equal(error.table, 't')
    return true
  })
  const buffer = await manager.buffer('t')
  assert.equal(buffer.rows(), 2, 'the rejected batch was not buffered')
  failing = false
  await manager.add('t', idBatch(2, 1)) // the caller's retry
  await manager.stop()
  assert.deepEqual(received, [0, 1, 2], 'every row once: no loss, no duplicate')
})

test('manager: a cap of 0 disables the size trigger', async () => {
  const sink = recordingSink()
  const manager = new Manager({ flush: sink.flush, maxSizeBytes: 0 })
  for (let i = 0; i < 20; i++) await manager.add('t', idBatch(i * 100, 100))
  assert.equal(sink.calls(), 0)
  await manager.stop()
  assert.equal(sink.calls(), 1)
})

test('manager: stop() drains every table and is idempotent', async () => {
  const sink = recordingSink()
  const manager = new Manager({ flush: sink.flush })
  await manager.add('otel_logs', idBatch(0, 2))
  await manager.add('otel_traces', idBatch(10, 3))
  await manager.add('otel_metrics_gauge', idBatch(20, 1))
  const first = manager.stop()
  const second = manager.stop()
  assert.equal(first, second)
  await first
  await manager.stop()
  assert.equal(sink.calls(), 3)
  assert.deepEqual(sink.received.get('otel_logs'), [0, 1])
  assert.deepEqual(sink.received.get('otel_traces'), [10, 11, 12])
  assert.deepEqual(sink.received.get('otel_metrics_gauge'), [20])
  await assert.rejects(manager.add('otel_logs', idBatch(0, 1)), StoreClosedError)
})

test('manager: stop() reports a failed flush, and a second stop() returns the same failure', async () => {
  const manager = new Manager({
    flush: async (table) => {
      if (table === 'bad') throw new Error('disk full')
      return 1
    },
  })
  await manager.add('bad', idBatch(0, 1))
  await manager.add('good', idBatch(1, 1))
  const first = manager.stop()
  await assert.rejects(first, (error: unknown) => error instanceof FlushFailedError && error.table === 'bad')
  assert.equal(manager.stop(), first)
  await assert.rejects(manager.stop(), FlushFailedError)
})

test('manager: the time trigger flushes non-empty buffers every interval; start() is idempotent', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] })
  const sink = recordingSink()
  const manager = new Manager({ flush: sink.flush, flushIntervalMs: 1000 })
  manager.start()
  manager.start()
  await manager.add('a', idBatch(0, 1))
  await manager.add('b', idBatch(1, 1))
  t.mock.timers.tick(999)
  await settle()
  assert.equal(sink.calls(), 0)
  t.mock.timers.tick(1)
  await settle()
  assert.equal(sink.calls(), 2, 'one flush per non-empty table: a second start() added no timer')
  t.mock.timers.tick(1000)
  await settle()
  assert.equal(sink.calls(), 2, 'empty buffers are not flushed')
  await manager.add('a', idBatch(2, 1))
  t.mock.timers.tick(1000)
  await settle()
  assert.equal(sink.calls(), 3)
  await manager.stop()
  t.mock.timers.tick(5000)
  await settle()
  assert.equal(sink.calls(), 3, 'stop() stopped the timer')
})

test('manager: failures of time-triggered flushes go to onFlushError and keep the rows', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] })
  const errors: FlushFailedError[] = []
  const manager = new Manager({
    flushIntervalMs: 50,
    flush: async () => {
      throw new Error('throttled')
    },
    onFlushError: (error) => errors.push(error),
  })
  manager.start()
  await manager.add('t', idBatch(0, 4))
  t.mock.timers.tick(50)
  await settle()
  assert.equal(errors.length, 1)
  assert.equal(errors[0]!.table, 't')
  assert.equal((await manager.buffer('t')).rows(), 4)
})

test('manager: tables are independent; metrics per table', async () => {
  const sink = recordingSink()
  const manager = new Manager({ flush: sink.flush })
  await manager.add('a', idBatch(0, 2))
  await manager.add('b', idBatch(0, 5))
  const metrics = await manager.metrics()
  assert.equal(metrics.get('a')!.rows, 2)
  assert.equal(metrics.get('b')!.rows, 5)
  await manager.flush('a')
  assert.equal((await manager.metrics()).get('a')!.rows, 0)
  assert.equal((await manager.metrics()).get('b')!.rows, 5)
  await manager.stop()
})

test('manager on disk: many concurrent first adds to one table create one buffer and keep every row', async (t) => {
  const root = await tempDir(t)
  const sink = recordingSink()
  const manager = new Manager({ flush: sink.flush, storage: { type: 'disk', path: root } })
  const adds = Array.from({ length: 40 }, (_, i) => manager.add('otel.logs', idBatch(i * 10, 10)))
  await Promise.all(adds)
  const buffers = await Promise.all([manager.buffer('otel.logs'), manager.buffer('otel.logs')])
  assert.equal(buffers[0], buffers[1])
  assert.equal(buffers[0].rows(), 400)
  assert.deepEqual(await listDir(root), ['otel_logs'])
  await manager.stop()
  assert.deepEqual(
    [...sink.received.get('otel.logs')!].sort((a, b) => a - b),
    Array.from({ length: 400 }, (_, i) => i),
  )
  assert.deepEqual(await listDir(join(root, 'otel_logs')), ['.lock'])
})

test('manager on disk: a table opened on first use recovers the pending files left there', async (t) => {
  const root = await tempDir(t)
  await mkdir(join(root, 'otel_logs'))
  await writeStream(join(root, 'otel_logs', 'pending-000007.ipc'), [idBatch(0, 3)])
  await writeStream(join(root, 'otel_logs', 'active.ipc'), [idBatch(3, 1)])
  const sink = recordingSink()
  const manager = new Manager({ flush: sink.flush, storage: { type: 'disk', path: root } })
  await manager.add('otel_logs', idBatch(4, 1))
  await manager.stop()
  assert.deepEqual(sink.received.get('otel_logs'), [0, 1, 2, 3, 4])
  assert.deepEqual(await listDir(join(root, 'otel_logs')), ['.lock'])
})

test('manager: a buffer whose open failed can be opened again later', async (t) => {
  const root = await tempDir(t)
  const { DiskStore } = await import('../../src/lib/buffer/disk-store.js')
  const blocker = await DiskStore.open(join(root, 't'))
  const manager = new Manager({ flush: recordingSink().flush, storage: { type: 'disk', path: root } })
  await assert.rejects(manager.add('t', idBatch(0, 1)), /in use/)
  await blocker.close()
  await manager.add('t', idBatch(0, 1))
  assert.equal((await manager.buffer('t')).rows(), 1)
  await manager.stop()
})

const invalid: [string, Partial<ManagerOptions>, RegExp][] = [
  ['a negative size cap', { maxSizeBytes: -1 }, /maxSizeBytes/],
  ['a negative interval', { flushIntervalMs: -5 }, /flushIntervalMs/],
  ['a non-numeric interval', { flushIntervalMs: Number.NaN }, /flushIntervalMs/],
  ['an unknown storage type', { storage: { type: 's3' as never } }, /storage\.type/],
  ['disk storage without a path', { storage: { type: 'disk' } }, /storage\.path/],
  ['no flush function', { flush: undefined as never }, /flush/],
]
for (const [label, options, pattern] of invalid) {
  test(`manager: ${label} is rejected at construction`, () => {
    assert.throws(
      () => new Manager({ flush: async () => 0, ...options }),
      (error: unknown) => error instanceof InvalidOptionsError && pattern.test(error.message),
    )
  })
}
