import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryStore } from '../../src/lib/buffer/memory-store.js'
import { StoreClosedError } from '../../src/lib/index.js'
import { idBatch, idsOf } from '../helpers/arrow.js'

test('memory store: append → drain → commit empties the store', async () => {
  const store = new MemoryStore('t')
  await store.append(idBatch(0, 3))
  await store.append(idBatch(3, 2))
  assert.equal(store.rows(), 5)
  const drain = await store.drain()
  assert.equal(drain.rows, 5)
  assert.deepEqual(idsOf(drain.batches), [0, 1, 2, 3, 4])
  assert.equal(store.rows(), 5, 'drained-but-not-committed rows still count')
  await drain.commit()
  assert.equal(store.rows(), 0)
  assert.equal(store.isEmpty(), true)
  assert.deepEqual(store.metrics(), { pendingFiles: 0, pendingBytes: 0, oldestPendingAgeSeconds: 0 })
})

test('memory store: an uncommitted drain is returned again together with rows appended since', async () => {
  const store = new MemoryStore('t')
  await store.append(idBatch(0, 2))
  const failed = await store.drain()
  assert.equal(failed.rows, 2)
  await store.append(idBatch(2, 1))
  const retry = await store.drain()
  assert.deepEqual(idsOf(retry.batches), [0, 1, 2])
  await retry.commit()
  assert.equal(store.isEmpty(), true)
})

test('memory store: a commit discards exactly what its drain returned', async () => {
  const store = new MemoryStore('t')
  const batch = idBatch(0, 1)
  await store.append(batch)
  const first = await store.drain()
  await store.append(batch) // the same object again is a second entry
  const second = await store.drain()
  assert.equal(second.rows, 2)
  await first.commit()
  assert.equal(store.rows(), 1)
  const third = await store.drain()
  assert.deepEqual(idsOf(third.batches), [0])
  await second.commit()
  assert.equal(store.isEmpty(), true)
})

test('memory store: an empty drain returns nothing', async () => {
  const drain = await new MemoryStore('t').drain()
  assert.equal(drain.rows, 0)
  assert.equal(drain.batches.length, 0)
})

test('memory store: a closed store refuses appends and drains', async () => {
  const store = new MemoryStore('logs')
  await store.close()
  await assert.rejects(store.append(idBatch(0, 1)), (error: unknown) => error instanceof StoreClosedError && error.path === 'memory:logs')
  await assert.rejects(store.drain(), StoreClosedError)
})
