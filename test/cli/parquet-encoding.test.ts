/**
 * How bufctl lays out the Parquet it writes, checked with two independent readers (hyparquet and
 * DuckDB): timestamp columns stored as deltas rather than through a dictionary, other number
 * columns and the exporter's identifiers plainly, other strings dictionary-encoded, row groups of at most 131,072 rows — and every value read back exactly,
 * including timestamps that run backwards, nulls, and a jump whose delta overflows 64 bits.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { Field, Int32, RecordBatch, Schema, Struct, Table, TimeUnit, Timestamp, Utf8, makeData, tableToIPC, vectorFromArray } from 'apache-arrow'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'
import { filesUnder } from '../helpers/spill.js'
import { seededRandom } from '../helpers/random.js'

const ROWS = 300_000
const BATCH_ROWS = 50_000
const BASE_US = 1_764_000_000_000_000n

/** Rising times 100 µs apart with up to 1 s of jitter; every 997th null; some that run backwards or far away. */
function timestamps(): (bigint | null)[] {
  const random = seededRandom(12)
  const values: (bigint | null)[] = Array.from({ length: ROWS }, (_, i) => (i % 997 === 0 ? null : BASE_US + BigInt(i * 100) + BigInt(Math.floor(random() * 1_000_000))))
  values[1000] = -(2n ** 62n) // from here to the next value the delta is 2^63: it wraps in 64 bits
  values[1001] = 2n ** 62n
  values[1002] = 0n
  values[5000] = BASE_US - 86_400_000_000n // a day earlier
  values[131_072] = BASE_US // the first row of the second row group
  return values
}

/** A 32-digit hex identifier, distinct for each row (every 11th null), as the exporter's trace ids are. */
function traceId(id: number): string | null {
  return id % 11 === 0 ? null : (BigInt(id) * 0x9e3779b97f4a7c15n).toString(16).padStart(32, '0').slice(-32)
}

function batchOf(ids: number[], times: (bigint | null)[]): RecordBatch {
  const type = new Timestamp(TimeUnit.MICROSECOND, 'UTC')
  const nullBitmap = new Uint8Array(Math.ceil(times.length / 8))
  times.forEach((value, i) => {
    if (value !== null) nullBitmap[i >> 3]! |= 1 << (i & 7)
  })
  const ts = makeData({ type, length: times.length, nullCount: times.filter((v) => v === null).length, nullBitmap, data: BigInt64Array.from(times, (v) => v ?? 0n) })
  const schema = new Schema([new Field('id', new Int32(), false), new Field('ts', type, true), new Field('service', new Utf8(), false), new Field('trace_id', new Utf8(), true)])
  const columns = new Table({
    id: vectorFromArray(Int32Array.from(ids)),
    service: vectorFromArray(
      ids.map((id) => `service-${id % 5}`),
      new Utf8(),
    ),
    trace_id: vectorFromArray(
      ids.map((id) => traceId(id)),
      new Utf8(),
    ),
  }).batches[0]!
  const children = [columns.getChild('id')!.data[0]!, ts, columns.getChild('service')!.data[0]!, columns.getChild('trace_id')!.data[0]!]
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ids.length, nullCount: 0, children }))
}

test('timestamps are stored as deltas, other numbers and trace ids plainly, other strings through a dictionary, row groups of at most 65,536 rows; hyparquet and DuckDB read every value back', async (t) => {
  const dir = await tempDir(t)
  const table = join(dir, 'spill', 'events')
  await mkdir(table, { recursive: true })
  const times = timestamps()
  const batches: RecordBatch[] = []
  for (let first = 0; first < ROWS; first += BATCH_ROWS) {
    const ids = Array.from({ length: Math.min(BATCH_ROWS, ROWS - first) }, (_, i) => first + i)
    batches.push(batchOf(ids, times.slice(first, first + ids.length)))
  }
  await writeFile(join(table, 'pending-000001.ipc'), tableToIPC(new Table(batches), 'stream'))
  const out = join(dir, 'out')
  const result = await runCli(['recover', '--path', join(dir, 'spill'), '--out', out, '--granularity', 'none', '--jobs', '1'])
  assert.equal(result.code, 0, result.stderr)
  const files = await filesUnder(join(out, 'events'), '.parquet')
  assert.equal(files.length, 1)
  const file = files[0]!

  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file))
  assert.deepEqual(
    metadata.row_groups.map((group) => Number(group.num_rows)),
    [65_536, 65_536, 65_536, 65_536, ROWS - 4 * 65_536],
  )
  for (const group of metadata.row_groups) {
    const encodings = Object.fromEntries(group.columns.map((chunk) => [chunk.meta_data!.path_in_schema.join('.'), chunk.meta_data!.encodings]))
    assert.ok(encodings.ts!.includes('DELTA_BINARY_PACKED'), `ts: ${encodings.ts!.join(', ')}`)
    assert.ok(!encodings.ts!.some((encoding) => encoding.includes('DICTIONARY')), `ts: ${encodings.ts!.join(', ')}`)
    assert.ok(encodings.service!.includes('RLE_DICTIONARY'), `service: ${encodings.service!.join(', ')}`)
    assert.ok(encodings.id!.includes('PLAIN') && !encodings.id!.some((encoding) => encoding.includes('DICTIONARY')), `id: ${encodings.id!.join(', ')}`)
    assert.ok(encodings.trace_id!.includes('PLAIN') && !encodings.trace_id!.some((encoding) => encoding.includes('DICTIONARY')), `trace_id: ${encodings.trace_id!.join(', ')}`)
  }

  const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(file), compressors, parsers: { timestampFromMicroseconds: (micros: bigint) => micros } })) as {
    id: number
    ts: bigint | null
    service: string
    trace_id: string | null
  }[]
  assert.equal(rows.length, ROWS)
  rows.forEach((row, i) => {
    assert.equal(row.id, i)
    assert.equal(row.ts, times[i], `row ${i}`)
    assert.equal(row.service, `service-${i % 5}`)
    assert.equal(row.trace_id, traceId(i), `row ${i}`)
  })

  const db = await DuckDBInstance.create(':memory:')
  const connection = await db.connect()
  try {
    const reader = await connection.runAndReadAll(`select id, epoch_us(ts)::varchar as us from read_parquet('${file}') order by id`)
    const got = reader.getRowObjects() as { id: number; us: string | null }[]
    assert.equal(got.length, ROWS)
    got.forEach((row, i) => assert.equal(row.us, times[i] === null ? null : String(times[i]), `row ${i} (DuckDB)`))
  } finally {
    connection.closeSync()
  }
})
