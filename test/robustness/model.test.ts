/**
 * Model-based tests: random sequences of add, successful flush, failing flush, crash (the process
 * state is dropped; what is on disk stays) and reopen, run against the real disk-backed buffer and
 * the Manager, and checked after every step against a plain model: the rows buffered and the rows
 * written, in order.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { rm } from 'node:fs/promises'
import fc from 'fast-check'
import { DiskStore } from '../../src/lib/buffer/disk-store.js'
import { SignalBuffer } from '../../src/lib/buffer/signal-buffer.js'
import { Manager } from '../../src/lib/buffer/manager.js'
import { idBatch, idsOf } from '../helpers/arrow.js'
import { tempDir } from '../helpers/fs.js'
import { rounds } from '../helpers/random.js'

type Step = { kind: 'add'; table: number; rows: number } | { kind: 'flush-ok'; table: number } | { kind: 'flush-fail'; table: number } | { kind: 'crash' }

const step = (tables: number): fc.Arbitrary<Step> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), table: fc.nat(tables - 1), rows: fc.integer({ min: 1, max: 20 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('flush-ok' as const), table: fc.nat(tables - 1) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush-fail' as const), table: fc.nat(tables - 1) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const) }) },
  )

const runs = rounds('MODEL_RUNS', 200, 100)
const seed = Number(process.env.MODEL_SEED ?? 1124)

test('model: a disk-backed SignalBuffer buffers and writes exactly what the model says, across crashes', async (t) => {
  const base = await tempDir(t)
  let run = 0
  await fc.assert(
    fc.asyncProperty(fc.array(step(1), { maxLength: 25 }), async (steps) => {
      const dir = join(base, `run-${run++}`, 'otel_logs')
      const model = { buffered: [] as number[], written: [] as number[] }
      const written: number[] = []
      let nextId = 0
      let buffer = new SignalBuffer('otel_logs', await DiskStore.open(dir))
      try {
        for (const s of steps) {
          if (s.kind === 'add') {
            await buffer.add(idBatch(nextId, s.rows))
            model.buffered.push(...Array.from({ length: s.rows }, (_, i) => nextId + i))
            nextId += s.rows
          } else if (s.kind === 'flush-ok') {
            await buffer.flushVia(async (batches) => {
              written.push(...idsOf(batches))
              return 1
            })
            model.written.push(...model.buffered)
            model.buffered = []
          } else if (s.kind === 'flush-fail') {
            const failing = buffer.flushVia(async () => Promise.reject(new Error('sink down')))
            // An empty buffer never calls the op, so there is nothing to fail.
            if (model.buffered.length > 0) await assert.rejects(failing)
            else assert.equal(await failing, 0)
          } else {
            // Crash: the in-memory buffer is dropped (its lock released as the kernel would); the files stay.
            await buffer.close()
            buffer = new SignalBuffer('otel_logs', await DiskStore.open(dir))
          }
          assert.equal(buffer.rows(), model.buffered.length, `rows after ${s.kind}`)
          assert.deepEqual(written, model.written, `written after ${s.kind}`)
        }
      } finally {
        await buffer.close()
        await rm(join(dir, '..'), { recursive: true, force: true })
      }
    }),
    { numRuns: runs, seed },
  )
})

test('model: the Manager on disk storage over two tables, with size cap, failures and crashes', async (t) => {
  const base = await tempDir(t)
  let run = 0
  await fc.assert(
    fc.asyncProperty(fc.array(step(2), { maxLength: 25 }), fc.boolean(), async (steps, capped) => {
      const root = join(base, `run-${run++}`)
      const tables = ['otel_logs', 'otel_traces']
      const model = tables.map(() => ({ buffered: [] as number[], written: [] as number[] }))
      const written = tables.map(() => [] as number[])
      let sinkWorks = true
      const open = () =>
        new Manager({
          storage: { type: 'disk', path: root },
          // With a cap of 1 byte every add to a non-empty buffer flushes first.
          maxSizeBytes: capped ? 1 : 0,
          flush: async (table, batches) => {
            if (!sinkWorks) throw new Error('sink down')
            written[tables.indexOf(table)]!.push(...idsOf(batches))
            // Calibrates to 100 bytes per row: any buffered row keeps the estimate above the cap.
            return batches.reduce((sum, batch) => sum + batch.numRows, 0) * 100
          },
        })
      let manager = open()
      let nextId = 0
      try {
        for (const s of steps) {
          if (s.kind === 'add') {
            const state = model[s.table]!
            const ids = Array.from({ length: s.rows }, (_, i) => nextId + i)
            nextId += s.rows
            sinkWorks = true
            await manager.add(tables[s.table]!, idBatch(ids[0]!, s.rows))
            if (capped && state.buffered.length > 0) {
              state.written.push(...state.buffered)
              state.buffered = []
            }
            state.buffered.push(...ids)
          } else if (s.kind === 'flush-ok') {
            sinkWorks = true
            await manager.flush(tables[s.table]!)
            model[s.table]!.written.push(...model[s.table]!.buffered)
            model[s.table]!.buffered = []
          } else if (s.kind === 'flush-fail') {
            sinkWorks = false
            const state = model[s.table]!
            if (state.buffered.length > 0) await assert.rejects(manager.flush(tables[s.table]!))
            else assert.equal(await manager.flush(tables[s.table]!), 0)
            // A rejected add at the cap is not buffered: the caller's retry cannot duplicate it.
            if (capped && state.buffered.length > 0) await assert.rejects(manager.add(tables[s.table]!, idBatch(nextId, 1)))
            sinkWorks = true
          } else {
            await manager.close()
            manager = open()
          }
          for (const [index, table] of tables.entries()) {
            assert.equal((await manager.buffer(table)).rows(), model[index]!.buffered.length, `${table} rows after ${s.kind}`)
            assert.deepEqual(written[index], model[index]!.written, `${table} written after ${s.kind}`)
          }
        }
      } finally {
        await manager.close()
        await rm(root, { recursive: true, force: true })
      }
    }),
    { numRuns: runs, seed },
  )
})
