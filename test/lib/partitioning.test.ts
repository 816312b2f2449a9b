import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Field, RecordBatch, Schema, Struct, TimeUnit, Timestamp, makeData } from 'apache-arrow'
import { recordBatchColumns, type BatchColumns } from '../../src/lib/format/batch-columns.js'
import { defaultPartitionColumn, partitionPath, partitionRuns } from '../../src/lib/sink/partitioning.js'
import { InvalidOptionsError } from '../../src/lib/index.js'

function timestamps(name: string, unit: TimeUnit, values: bigint[]): BatchColumns {
  const type = new Timestamp(unit, 'UTC')
  const schema = new Schema([new Field(name, type, false)])
  const child = makeData({ type, length: values.length, nullCount: 0, data: BigInt64Array.from(values) })
  return recordBatchColumns(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: values.length, nullCount: 0, children: [child] })))
}

test("the exporter's partition column: start_time_unix_nano for traces, time_unix_nano for every other table, custom ones too", () => {
  assert.equal(defaultPartitionColumn('otel_traces'), 'start_time_unix_nano')
  assert.equal(defaultPartitionColumn('otel_logs'), 'time_unix_nano')
  assert.equal(defaultPartitionColumn('my_events'), 'time_unix_nano')
})

test('partition times round down (floor) before 1970 and years have four digits, as the exporter writes them', () => {
  // One microsecond before the epoch is in 1969's last hour, not in 1970's first.
  const runs = partitionRuns(timestamps('time_unix_nano', TimeUnit.MICROSECOND, [-1n, 0n]), 'time_unix_nano', 'hour', 't')
  assert.deepEqual(
    runs.map((run) => run.partition),
    ['year=1969/month=12/day=31/hour=23', 'year=1970/month=01/day=01/hour=00'],
  )
  const nanos = partitionRuns(timestamps('ts', TimeUnit.NANOSECOND, [-1n]), 'ts', 'hour', 't')
  assert.equal(nanos[0]!.partition, 'year=1969/month=12/day=31/hour=23')
  assert.equal(partitionPath(Date.UTC(970, 0, 2, 3), 'hour'), 'year=0970/month=01/day=02/hour=03')
  assert.equal(partitionPath(Date.UTC(-1, 5, 1), 'month'), 'year=-001/month=06')
})

test('a table without the column names it and says what to do', () => {
  const batch = timestamps('observed', TimeUnit.MICROSECOND, [0n])
  assert.throws(
    () => partitionRuns(batch, defaultPartitionColumn('my_events'), 'hour', 'my_events'),
    (error: unknown) =>
      error instanceof InvalidOptionsError && /no column time_unix_nano/.test(error.message) && /--partition-by/.test(error.message) && /--granularity none/.test(error.message),
  )
})
