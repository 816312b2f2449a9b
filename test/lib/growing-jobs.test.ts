/**
 * An output is handed to an encoder the moment it opens and written while the planner still adds
 * pieces to it: the pieces that join are sent on to its thread, and the file holds every row, in
 * order. When planning fails meanwhile, the job fails with planning's error (no file is blamed) and
 * its thread is ended.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Table, tableToIPC } from 'apache-arrow'
import { parquetMetadata, parquetReadObjects } from 'hyparquet'
import { Changes } from '../../src/lib/changes.js'
import type { BatchPiece, EncodeJob } from '../../src/lib/parquet/encode-job.js'
import { encodeJobs } from '../../src/lib/parquet/encoder-pool.js'
import { EncoderThreads } from '../../src/lib/parquet/encoder-threads.js'
import { JobFeed } from '../../src/lib/parquet/job-feed.js'
import { planDrain } from '../../src/lib/replay/drain-plan.js'
import { exporterBatch } from '../fixtures/exporter-data.js'

const BATCHES = 30
const ROWS = 40

/** A job whose pieces (those of a planned output) join one at a time, on later turns of the event loop, as a planner adds them. */
class ReleasedJob implements EncodeJob {
  readonly pieces: BatchPiece[] = []
  rows = 0
  complete = false
  readonly #all: readonly BatchPiece[]
  readonly #changes = new Changes()

  constructor(all: readonly BatchPiece[]) {
    this.#all = all
    this.#release()
  }

  grown(): Promise<void> {
    return this.complete ? Promise.resolve() : this.#changes.next()
  }

  /** Releases the rest one piece a turn; with `failAt`, planning fails there instead. */
  async releaseAll(failAt?: number): Promise<void> {
    while (this.pieces.length < this.#all.length) {
      await new Promise((resolve) => setTimeout(resolve, 2))
      if (this.pieces.length === failAt) {
        this.#changes.fail(new Error('planning stopped by the test'))
        return
      }
      this.#release()
    }
    this.complete = true
    this.#changes.changed()
  }

  #release(): void {
    const piece = this.#all[this.pieces.length]!
    this.pieces.push(piece)
    this.rows += piece.length
    this.#changes.changed()
  }
}

/** The pieces of one output holding every batch of one in-memory stream. */
async function pieces(first: number): Promise<readonly BatchPiece[]> {
  const stream = tableToIPC(new Table(Array.from({ length: BATCHES }, (_, b) => exporterBatch('otel_logs', first + b * ROWS, ROWS))), 'stream')
  const plan = await planDrain([{ name: 'pending-000001.ipc', stream }], { table: 'otel_logs', identity: 'test', targetFileBytes: Infinity, granularity: 'none', damage: 'strict' })
  assert.equal(plan.outputs.length, 1)
  return plan.outputs[0]!.pieces
}

/** Encodes the jobs of the feed; returns each file's ids, as hyparquet reads them. */
async function encodeIds(feed: JobFeed<EncodeJob>, concurrency: number, threads?: EncoderThreads, onRows?: (index: number, rows: number) => void): Promise<bigint[][]> {
  return encodeJobs(feed, { format: { compression: 'snappy' }, concurrency, threads, onRows }, async (_index, bytes) => {
    const chunks: Uint8Array[] = []
    for await (const chunk of bytes) chunks.push(new Uint8Array(chunk))
    const file = Buffer.concat(chunks)
    const buffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength)
    assert.ok(Number(parquetMetadata(buffer).num_rows) > 0)
    const rows = (await parquetReadObjects({ file: buffer, columns: ['time_unix_nano'] })) as { time_unix_nano: bigint }[]
    return rows.map((row) => row.time_unix_nano)
  })
}

for (const concurrency of [2, 1]) {
  test(`jobs handed over with their first piece are written whole, in order, as the rest join (${concurrency === 1 ? 'on the calling thread' : 'on worker threads'})`, async () => {
    const all = [await pieces(0), await pieces(BATCHES * ROWS)]
    const whole = await encodeIds(JobFeed.of(all.map((list) => ({ rows: list.reduce((sum, piece) => sum + piece.length, 0), pieces: list }))), 1)
    const jobs = all.map((list) => new ReleasedJob(list))
    const feed = new JobFeed<EncodeJob>()
    for (const job of jobs) feed.add(job)
    // Open: an encoder takes each job while the feed and the jobs still grow.
    const encoding = encodeIds(feed, concurrency)
    await Promise.all(jobs.map((job) => job.releaseAll()))
    feed.close()
    const written = await encoding
    assert.deepEqual(
      written.map((ids) => ids.length),
      [BATCHES * ROWS, BATCHES * ROWS],
    )
    assert.deepEqual(written, whole, 'the same rows, in the same order, as the jobs encoded whole')
  })
}

test("planning fails while a thread encodes a growing job: the job fails with planning's error, and its thread is ended", async () => {
  const threads = new EncoderThreads()
  try {
    const job = new ReleasedJob(await pieces(0))
    const feed = new JobFeed<EncodeJob>()
    feed.add(job)
    const encoding = encodeIds(feed, 2, threads)
    await job.releaseAll(BATCHES / 2)
    feed.close()
    await assert.rejects(encoding, /planning stopped by the test/)
    assert.equal(threads.waiting, false, 'the thread of the failed job is not kept')
  } finally {
    await threads.close()
  }
})

test('small batches of a growing job enter the writer together, not one group per piece as they join', async () => {
  const threads = new EncoderThreads()
  try {
    // Warm threads, which take a job at once (a new one would start only after every piece had joined).
    const warm = [await pieces(0), await pieces(0)].map((list) => ({ rows: BATCHES * ROWS, pieces: list }))
    await encodeIds(JobFeed.of(warm), 2, threads)
    const job = new ReleasedJob(await pieces(0))
    const feed = new JobFeed<EncodeJob>()
    feed.add(job)
    feed.close()
    // The writer is told the rows of each group of batches it takes.
    const groups: number[] = []
    const encoding = encodeIds(feed, 2, threads, (_index, rows) => groups.push(rows))
    await job.releaseAll()
    const [ids] = await encoding
    assert.equal(ids!.length, BATCHES * ROWS)
    // All 30 batches (a few KiB) fit one group: it waits for the pieces still to come rather than
    // taking the one or two a planner's turn has brought.
    assert.deepEqual(groups, [BATCHES * ROWS])
  } finally {
    await threads.close()
  }
})
