// Run as its own process by test/lib/heap-settings.test.ts, on the built library as bin/run.js
// runs it (a young generation never shrinks back, so each measurement needs a fresh thread).
// argv[2]: `settings` applies heap-settings first, as bin/run.js does; argv[3]: `threads` then
// encodes small files on two encoder threads, so both start and create their heaps, and then this
// thread allocates as a planner does; `during`: it allocates while the threads start (as a planner
// does while its first outputs' threads start). The size of its young generation is printed.
import { getHeapSpaceStatistics } from 'node:v8'
import { setImmediate } from 'node:timers/promises'
import { collectGarbageEarly } from '../../dist/lib/heap-settings.js'

// Before anything else is loaded (loading grows a young generation too), as in bin/run.js.
if (process.argv[2] === 'settings') collectGarbageEarly()
const { Table, tableFromArrays, tableToIPC } = await import('apache-arrow')
const { planDrain } = await import('../../dist/lib/replay/drain-plan.js')
const { encodeJobs } = await import('../../dist/lib/parquet/encoder-pool.js')
const { EncoderThreads } = await import('../../dist/lib/parquet/encoder-threads.js')

/** Many small records that outlive their task, made a batch a turn of the event loop (`perTurn` at a time: a planner's turn is a few files). */
async function allocate(kept, perTurn) {
  for (let turn = 0; turn < 1_000_000 / perTurn; turn++) {
    for (let i = 0; i < perTurn; i++) kept.push(JSON.parse(JSON.stringify({ name: `pending-${String(i).padStart(6, '0')}.ipc`, bytes: i * 3 })))
    await setImmediate()
  }
}

const kept = []
let started = false
if (process.argv[3] === 'threads' || process.argv[3] === 'during') {
  const threads = new EncoderThreads()
  try {
    const batches = Array.from({ length: 8 }, (_, b) => tableFromArrays({ id: Int32Array.from({ length: 100 }, (_, i) => b * 100 + i) }).batches[0])
    const stream = tableToIPC(new Table(batches), 'stream')
    const plan = { table: 't', identity: 'young-generation', targetFileBytes: Math.ceil(stream.byteLength / 3), granularity: 'none', damage: 'strict' }
    const { outputs } = await planDrain([{ name: 'pending-000001.ipc', stream }], plan)
    const encoding = encodeJobs(outputs, { format: { compression: 'zstd' }, concurrency: 2, threads }, async (_index, bytes) => {
      for await (const chunk of bytes) void chunk
    })
    if (process.argv[3] === 'during') await allocate(kept, 2_000)
    await encoding
    started = threads.waiting
  } finally {
    await threads.close()
  }
}

if (process.argv[3] !== 'during') await allocate(kept, 50_000)
const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').physical_space_size
process.stdout.write(JSON.stringify({ started, kept: kept.length, young }))
