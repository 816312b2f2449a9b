import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { RecordBatch } from 'apache-arrow'
import { SignalBuffer, DEFAULT_BYTES_PER_ROW } from '../../src/lib/buffer/signal-buffer.js'
import { DiskStore } from '../../src/lib/buffer/disk-store.js'
import { MemoryStore } from '../../src/lib/buffer/memory-store.js'
import type { RecordStore } from '../../src/lib/buffer/record-store.js'
import { idBatch, idsOf, writeStream } from '../helpers/arrow.js'
import { listDir, tempDir } from '../helpers/fs.js'
import type { TestContext } from 'node:test'

/** Both store kinds, so each semantic is checked on each. */
const storeKinds: [string, (t: TestContext) => Promise<{ store: RecordStore; dir?: string }>][] = [
  ['memory', async () => ({ store: new MemoryStore('t') })],
  [
    'disk',
    async (t) => {
      const dir = join(await tempDir(t), 't')
      const store = await DiskStore.open(dir)
      t.after(() => store.close())
      return { store, dir }
    },
  ],
]

/** A promise with its resolve function, to hold an op open. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

for (const [kind, makeStore] of storeKinds) {
  test(`${kind}: a throwing op commits nothing; the retry flushes old and new rows together`, async (t) => {
    const { store, dir } = await makeStore(t)
    const buffer = new SignalBuffer('t', store)
    await buffer.add(idBatch(0, 3))
    await assert.rejects(
      buffer.flushVia(async () => {
        throw new Error('object store down')
      }),
      /object store down/,
    )
    assert.equal(buffer.rows(), 3)
    if (dir) assert.deepEqual(await listDir(dir), ['.lock', 'pending-000001.ipc'])
    await buffer.add(idBatch(3, 2))
    const seen: number[] = []
    const rows = await buffer.flushVia(async (batches, count) => {
      seen.push(...idsOf(batches))
      assert.equal(count, 5)
      return 1000
    })
    assert.equal(rows, 5)
    assert.deepEqual(seen, [0, 1, 2, 3, 4])
    assert.equal(buffer.isEmpty(), true)
    if (dir) assert.deepEqual(await listDir(dir), ['.lock'])
  })

  test(`${kind}: a synchronously throwing op also commits nothing`, async (t) => {
    const { store } = await makeStore(t)
    const buffer = new SignalBuffer('t', store)
    await buffer.add(idBatch(0, 1))
    const op = (() => {
      throw new TypeError('bug in op')
    }) as unknown as () => Promise<number>
    await assert.rejects(buffer.flushVia(op), TypeError)
    assert.equal(buffer.rows(), 1)
  })

  test(`${kind}: concurrent flushVia calls run one after the other`, async (t) => {
    const { store } = await makeStore(t)
    const buffer = new SignalBuffer('t', store)
    await buffer.add(idBatch(0, 2))
    const events: string[] = []
    const gate = deferred()
    const first = buffer.flushVia(async (batches) => {
      events.push(`first start ${idsOf(batches).join(',')}`)
      await gate.promise
      events.push('first end')
      return 10
    })
    const second = buffer.flushVia(async (batches) => {
      events.push(`second start ${idsOf(batches).join(',')}`)
      return 10
    })
    await new Promise((r) => setTimeout(r, 20))
    await buffer.add(idBatch(2, 1))
    gate.resolve()
    assert.equal(await first, 2)
    assert.equal(await second, 1)
    assert.deepEqual(events, ['first start 0,1', 'first end', 'second start 2'])
  })

  test(`${kind}: a batch added while an op awaits is kept, not lost by that op's commit`, async (t) => {
    const { store } = await makeStore(t)
    const buffer = new SignalBuffer('t', store)
    await buffer.add(idBatch(0, 2))
    const gate = deferred()
    const flushing = buffer.flushVia(async () => {
      await gate.promise
      return 100
    })
    await new Promise((r) => setTimeout(r, 10))
    await buffer.add(idBatch(2, 3))
    assert.equal(buffer.rows(), 5)
    gate.resolve()
    assert.equal(await flushing, 2)
    assert.equal(buffer.rows(), 3)
    let seen: number[] = []
    await buffer.flushVia(async (batches: readonly RecordBatch[]) => {
      seen = idsOf(batches)
      return 100
    })
    assert.deepEqual(seen, [2, 3, 4])
  })

  test(`${kind}: an empty drain does not call op and returns 0 rows`, async (t) => {
    const { store } = await makeStore(t)
    const buffer = new SignalBuffer('t', store)
    let called = false
    const rows = await buffer.flushVia(async () => {
      called = true
      return 1
    })
    assert.equal(rows, 0)
    assert.equal(called, false)
  })
}

test('calibration: 5000 Parquet bytes for 100 rows gives 50 bytes/row, then a 0.7/0.3 moving average', async () => {
  const buffer = new SignalBuffer('t')
  assert.equal(buffer.bytesPerRow, DEFAULT_BYTES_PER_ROW)
  await buffer.add(idBatch(0, 100))
  assert.equal(buffer.estimatedSize(), 100 * 256)
  await buffer.flushVia(async () => 5000)
  assert.equal(buffer.bytesPerRow, 50)
  await buffer.add(idBatch(0, 100))
  assert.equal(buffer.estimatedSize(), 5000)
  await buffer.flushVia(async () => 15000) // 150 bytes/row observed
  assert.equal(buffer.bytesPerRow, 0.7 * 50 + 0.3 * 150)
  await buffer.add(idBatch(0, 10))
  assert.equal(buffer.estimatedSize(), Math.round(10 * 80))
})

test('calibration ignores a failed op and a zero byte count', async () => {
  const buffer = new SignalBuffer('t')
  await buffer.add(idBatch(0, 10))
  await assert.rejects(buffer.flushVia(async () => Promise.reject(new Error('no'))))
  assert.equal(buffer.bytesPerRow, 256)
  await buffer.flushVia(async () => 0)
  assert.equal(buffer.bytesPerRow, 256)
})

test('estimated size and metrics count recovered pending files of a disk store', async (t) => {
  const dir = join(await tempDir(t), 'otel_logs')
  const { mkdir } = await import('node:fs/promises')
  await mkdir(dir)
  await writeStream(join(dir, 'pending-000001.ipc'), [idBatch(0, 40)])
  await writeStream(join(dir, 'pending-000002.ipc'), [idBatch(40, 60)])
  const store = await DiskStore.open(dir)
  const buffer = new SignalBuffer('otel_logs', store)
  t.after(() => buffer.close())
  assert.equal(buffer.rows(), 100)
  assert.equal(buffer.estimatedSize(), 100 * 256)
  const metrics = buffer.metrics()
  assert.equal(metrics.rows, 100)
  assert.equal(metrics.pendingFiles, 2)
  assert.ok(metrics.pendingBytes > 0)
  assert.equal(buffer.table, 'otel_logs')
  assert.equal(buffer.location, dir)
})
