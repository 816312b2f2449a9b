/**
 * A run's encoder threads outlive one drain: the next part's (or table's) jobs go to the threads
 * that encoded the last one, so each starts and warms up its wasm once a run. A thread whose job
 * failed is never handed out again, and closing the run ends the threads that wait.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Worker } from 'node:worker_threads'
import { Table, tableToIPC } from 'apache-arrow'
import { parquetMetadata } from 'hyparquet'
import { planDrain, type PlannedOutput } from '../../src/lib/replay/drain-plan.js'
import { encodeJobs } from '../../src/lib/parquet/encoder-pool.js'
import { EncoderThreads } from '../../src/lib/parquet/encoder-threads.js'
import { exporterBatch } from '../fixtures/exporter-data.js'

const BATCHES = 40
const ROWS = 50

/** EncoderThreads that remember every thread they hand out (by id as it was then: an ended thread's is -1). */
class WatchedThreads extends EncoderThreads {
  readonly handedOut: { readonly worker: Worker; readonly id: number }[] = []
  override take(): Worker {
    const worker = super.take()
    this.handedOut.push({ worker, id: worker.threadId })
    return worker
  }
  threadIds(): Set<number> {
    return new Set(this.handedOut.map((thread) => thread.id))
  }
}

/** Four outputs of one in-memory stream. */
async function planned(first: number): Promise<readonly PlannedOutput[]> {
  const stream = tableToIPC(new Table(Array.from({ length: BATCHES }, (_, b) => exporterBatch('otel_logs', first + b * ROWS, ROWS))), 'stream')
  const plan = await planDrain([{ name: 'pending-000001.ipc', stream }], {
    table: 'otel_logs',
    identity: 'test',
    targetFileBytes: Math.ceil(stream.byteLength / 4),
    granularity: 'none',
    damage: 'strict',
  })
  assert.ok(plan.outputs.length >= 3, `${plan.outputs.length} outputs`)
  return plan.outputs
}

/**
 * Encodes the outputs on two lanes with `threads`; returns each file's rows, as its Parquet footer
 * (read by hyparquet) says. `failing`: every output's sink fails at its first chunk, so that the
 * job of each lane fails whichever lane finishes first (a lane whose every job succeeded keeps its thread).
 */
async function encode(outputs: readonly PlannedOutput[], threads: EncoderThreads, failing = false): Promise<number[]> {
  return encodeJobs(outputs, { format: { compression: 'zstd' }, concurrency: 2, threads }, async (_index, bytes) => {
    const chunks: Uint8Array[] = []
    for await (const chunk of bytes) {
      if (failing) throw new Error('the sink failed')
      chunks.push(new Uint8Array(chunk))
    }
    const file = Buffer.concat(chunks)
    const buffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength)
    return Number(parquetMetadata(buffer).num_rows)
  })
}

function exited(worker: Worker): Promise<number> {
  return new Promise((resolve) => worker.once('exit', resolve))
}

test('the next drain encodes on the threads of the last one, and every output holds its rows', async () => {
  const threads = new WatchedThreads()
  try {
    const first = await planned(0)
    const written = await encode(first, threads)
    assert.deepEqual(
      written,
      first.map((output) => output.rows),
    )
    const started = threads.threadIds()
    assert.equal(started.size, 2)
    assert.ok(threads.waiting, 'the threads wait for the next drain')

    const second = await planned(BATCHES * ROWS)
    const again = await encode(second, threads)
    assert.deepEqual(
      again,
      second.map((output) => output.rows),
    )
    assert.deepEqual(threads.threadIds(), started, 'no thread was started for the second drain')
  } finally {
    await threads.close()
  }
})

test('a thread whose job failed is ended, not kept; closing ends the threads that wait', async () => {
  const threads = new WatchedThreads()
  try {
    const outputs = await planned(0)
    await encode(outputs, threads)
    const firstThreads = threads.threadIds()
    const ended = threads.handedOut.map((thread) => exited(thread.worker))
    await assert.rejects(encode(outputs, threads, true), /the sink failed/)
    await Promise.all(ended)
    assert.equal(threads.waiting, false)

    const written = await encode(outputs, threads)
    assert.deepEqual(
      written,
      outputs.map((output) => output.rows),
    )
    const fresh = [...threads.threadIds()].filter((id) => !firstThreads.has(id))
    assert.equal(fresh.length, 2, 'two new threads took the jobs')
    const waiting = threads.handedOut.filter((thread) => !firstThreads.has(thread.id)).map((thread) => exited(thread.worker))
    await threads.close()
    await Promise.all(waiting)
    assert.throws(() => threads.take(), /closed/)
  } finally {
    await threads.close()
  }
})

test("a worker's chunk is lent: it is freed (left empty) once the next is asked for, and a copy keeps the file whole", async () => {
  const threads = new WatchedThreads()
  try {
    const outputs = await planned(0)
    const lengthsAfter: number[] = []
    const rows = await encodeJobs(outputs, { format: { compression: 'zstd' }, concurrency: 2, threads }, async (_index, bytes) => {
      const copies: Uint8Array[] = []
      let previous: Uint8Array | undefined
      for await (const chunk of bytes) {
        if (previous) lengthsAfter.push(previous.byteLength)
        assert.ok(chunk.byteLength > 0, 'a chunk is whole while it is lent')
        copies.push(new Uint8Array(chunk))
        previous = chunk
      }
      if (previous) lengthsAfter.push(previous.byteLength)
      const file = Buffer.concat(copies)
      return Number(parquetMetadata(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength)).num_rows)
    })
    assert.equal(threads.threadIds().size, 2, 'the chunks came from worker threads')
    assert.deepEqual(
      rows,
      outputs.map((output) => output.rows),
    )
    assert.ok(lengthsAfter.length >= outputs.length)
    assert.deepEqual(new Set(lengthsAfter), new Set([0]), 'every chunk was freed once the next was asked for')
  } finally {
    await threads.close()
  }
})
