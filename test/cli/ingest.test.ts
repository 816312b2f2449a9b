import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { runCli } from '../helpers/cli.js'
import { copyFixture, filesUnder, FIXTURES, readParquetRows, snapshot } from '../helpers/spill.js'
import { holdLockElsewhere, tempDir } from '../helpers/fs.js'
import { DiskStore } from '../../src/lib/buffer/disk-store.js'
import type { IngestReport } from '../../src/lib/ingest/index.js'
import { exporterBatch, logBody } from '../fixtures/exporter-data.js'
import { Data, Field, Int64, RecordBatch, Schema, Struct, Table, TimeUnit, Timestamp, Utf8, makeData, tableToIPC } from 'apache-arrow'
import type { StatusReport } from '../../src/lib/inspect/index.js'

const input = (name: string) => join(FIXTURES, 'inputs', name)

test('ingest takes the IPC stream format, the IPC file format and stdin in one call', async (t) => {
  const root = join(await tempDir(t), 'spill')
  const stdinBytes = await readFile(input('logs-stream.arrows'))
  const result = await runCli(['ingest', 'otel_logs', input('logs-stream.arrows'), input('logs-file.arrow'), '-', '--path', root, '--json'], { input: stdinBytes })
  assert.equal(result.code, 0, result.stderr)
  const report = JSON.parse(result.stdout) as IngestReport
  assert.deepEqual(
    report.inputs.map((i) => [i.format, i.rows]),
    [
      ['stream', 50],
      ['file', 30],
      ['stream', 50],
    ],
  )
  assert.equal(report.rows, 130)
  assert.equal(report.bufferedRows, 130)
  assert.equal(report.directory, join(root, 'otel_logs'))
  const status = JSON.parse((await runCli(['status', '--path', root, '--json'])).stdout) as StatusReport
  assert.equal(status.tables[0]!.rows, 130)
  // The spilled directory opens as the exporter would open it.
  const store = await DiskStore.open(join(root, 'otel_logs'))
  t.after(() => store.close())
  const drain = await store.drain()
  assert.equal(drain.rows, 130)
  // Byte-appended (stream file) and re-encoded (file format, stdin) batches read back alike.
  const rows = drain.batches.flatMap((batch) =>
    batch.toArray().map((row: Record<string, unknown>) => `${String(row.body)}|${String(row.severity_text)}|${String(row.attr_service_name)}`),
  )
  const expected = [
    ...Array.from({ length: 50 }, (_, i) => 10_000 + i),
    ...Array.from({ length: 30 }, (_, i) => 20_000 + i),
    ...Array.from({ length: 50 }, (_, i) => 10_000 + i),
  ].map((id) => `${logBody(id)}|${['INFO', 'WARN', 'ERROR', 'DEBUG'][id % 4]}|${['checkout', 'cart', 'frontend', 'payment'][id % 4]}`)
  assert.deepEqual(rows, expected)
})

test('ingest --out --flush writes Parquet and leaves the buffer empty; memory storage needs --out', async (t) => {
  const work = await tempDir(t)
  const root = join(work, 'spill')
  const out = join(work, 'parquet')
  const result = await runCli(['ingest', 'otel_logs', input('logs-stream.arrows'), '--path', root, '--out', out, '--flush', '--json'])
  assert.equal(result.code, 0, result.stderr)
  const report = JSON.parse(result.stdout) as IngestReport
  assert.equal(report.flushedRows, 50)
  assert.equal(report.bufferedRows, 0)
  const rows = await readParquetRows(join(out, 'otel_logs'))
  assert.deepEqual(rows.map((row) => row.body).sort(), Array.from({ length: 50 }, (_, i) => `log ${10_000 + i}: request handled`).sort())
  assert.deepEqual(
    (await filesUnder(join(root, 'otel_logs'))).map((f) => f.split('/').pop()),
    ['.lock', 'bufctl-ingested.json'],
    'no stream file left; only the lock and the record of what was ingested',
  )

  const memoryOut = join(work, 'memory-parquet')
  const memory = await runCli(['ingest', 'otel_traces', input('traces-stream.arrows'), '--storage', 'memory', '--out', memoryOut])
  assert.equal(memory.code, 0, memory.stderr)
  assert.equal((await filesUnder(memoryOut, '.parquet')).length > 0, true)
  const noOut = await runCli(['ingest', 'otel_traces', input('traces-stream.arrows'), '--storage', 'memory'])
  assert.equal(noOut.code, 2)
  assert.match(noOut.stderr, /--out/)
})

test('ingest --max-size flushes to --out while ingesting', async (t) => {
  const work = await tempDir(t)
  const out = join(work, 'parquet')
  const result = await runCli([
    'ingest',
    'otel_logs',
    input('logs-stream.arrows'),
    input('logs-file.arrow'),
    '--path',
    join(work, 'spill'),
    '--out',
    out,
    '--max-size',
    '1KiB',
    '--json',
  ])
  assert.equal(result.code, 0, result.stderr)
  const report = JSON.parse(result.stdout) as IngestReport
  // The cap is checked before each input, as the Manager checks it before each batch.
  assert.equal(report.flushedRows, 50, 'the size trigger flushed the first input before the second')
  assert.equal(report.flushedRows + report.bufferedRows, 80)
})

async function badInputs(dir: string): Promise<[string, string, RegExp][]> {
  const notArrow = join(dir, 'notes.csv')
  await writeFile(notArrow, 'time,message\n1,hello\n')
  const empty = join(dir, 'empty.arrow')
  await writeFile(empty, '')
  const file = await readFile(input('logs-file.arrow'))
  const tornFile = join(dir, 'torn.arrow')
  await writeFile(tornFile, file.subarray(0, file.byteLength - 100))
  const stream = await readFile(input('logs-stream.arrows'))
  const tornStream = join(dir, 'torn.arrows')
  await writeFile(tornStream, stream.subarray(0, stream.byteLength - 300))
  // What an operator may hold by mistake: bufctl's own output.
  const parquet = join(dir, 'out.parquet')
  await writeFile(parquet, Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(32), Buffer.from('PAR1')]))
  const directory = join(dir, 'a-directory')
  await mkdir(directory)
  return [
    ['not Arrow', notArrow, /is not an Arrow IPC stream or file/],
    ['empty', empty, /is empty/],
    ['a Parquet file', parquet, /is a Parquet file/],
    ['a torn IPC file', tornFile, /ARROW1|damaged/],
    ['a torn IPC stream', tornStream, /damaged at byte \d+/],
    ['a directory', directory, /is a directory/],
    ['a missing path', join(dir, 'missing.arrow'), /no such file/],
    ["another table's data", input('traces-stream.arrows'), /does not have the exporter's otel_logs shape/],
  ]
}

test('bad input to ingest exits 2, names the file, and appends nothing — not even the good files before it', async (t) => {
  const { root, work } = await copyFixture(t, 'clean')
  const before = await snapshot(root)
  for (const [label, path, message] of await badInputs(work)) {
    const result = await runCli(['ingest', 'otel_logs', input('logs-stream.arrows'), path, '--path', root])
    assert.equal(result.code, 2, `${label}: ${result.stderr}`)
    assert.ok(result.stderr.includes(path), `${label}: the message names ${path}: ${result.stderr}`)
    assert.match(result.stderr, message, label)
    assert.match(result.stderr, /Hint:/, label)
    // recover mends a spill directory, not a file outside it.
    assert.doesNotMatch(result.stderr, /bufctl recover/, `${label}: a hint that applies to an input`)
    assert.deepEqual(await snapshot(root), before, `${label}: nothing appended`)
  }
  const json = await runCli(['ingest', 'otel_logs', join(work, 'notes.csv'), '--path', root, '--json'])
  assert.equal(json.code, 2)
  assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'NOT_ARROW')
})

test('ingest into a table locked by util-linux flock exits 75 and changes nothing', async (t) => {
  const { root } = await copyFixture(t, 'clean')
  const holder = await holdLockElsewhere(join(root, 'otel_logs', '.lock'))
  t.after(() => holder.release())
  const before = await snapshot(root)
  const result = await runCli(['ingest', 'otel_logs', input('logs-stream.arrows'), '--path', root])
  assert.equal(result.code, 75, result.stderr)
  assert.match(result.stderr, /otel_logs is in use/)
  assert.deepEqual(await snapshot(root), before)
})

test('every command has --help with examples', async () => {
  for (const command of ['ingest', 'status', 'flush', 'recover']) {
    const result = await runCli([command, '--help'])
    assert.equal(result.code, 0, command)
    const examples = result.stdout.split('EXAMPLES')[1] ?? ''
    assert.ok((examples.match(/\$ bufctl /g) ?? []).length >= 2, `${command} has at least two examples`)
    assert.match(result.stdout, /--json/, command)
  }
})

/** A copy of `batch` with its columns changed by `edit` (fields and their data, in order). */
function withColumns(batch: RecordBatch, edit: (columns: { field: Field; data: Data }[]) => { field: Field; data: Data }[]): RecordBatch {
  const columns = edit(batch.schema.fields.map((field, index) => ({ field, data: batch.data.children[index] as Data })))
  const schema = new Schema(columns.map((column) => column.field))
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children: columns.map((column) => column.data) }))
}

test('ingest guards the exporter: exporter-shaped logs pass (any promoted set); reordered, missing, extra, wrong-type and ns-timestamp columns exit 2 and append nothing; --schema any accepts them', async (t) => {
  const work = await tempDir(t)
  const good = exporterBatch('otel_logs', 0, 10, { promoted: ['service.name', 'k8s.pod.name'] })
  const writeInput = async (name: string, batch: RecordBatch) => {
    const path = join(work, `${name}.arrows`)
    await writeFile(path, tableToIPC(new Table([batch]), 'stream'))
    return path
  }
  const passing = await runCli(['ingest', 'otel_logs', await writeInput('good', good), '--path', join(work, 'good'), '--json'])
  assert.equal(passing.code, 0, passing.stderr)
  assert.equal((JSON.parse(passing.stdout) as IngestReport).rows, 10)

  const index = (name: string) => good.schema.fields.findIndex((field) => field.name === name)
  const micros = good.data.children[index('time_unix_nano')] as Data
  const nanosecond = new Timestamp(TimeUnit.NANOSECOND, 'UTC')
  const cases: [string, RecordBatch, RegExp][] = [
    [
      'reordered',
      withColumns(good, (columns) => [columns[1]!, columns[0]!, ...columns.slice(2)]),
      /at column 1 the exporter writes resource_schema_url:Utf8, this data has resource_dropped_attributes_count:Int32 not null/,
    ],
    [
      'missing a column',
      withColumns(good, (columns) => columns.filter((column) => column.field.name !== 'severity_text')),
      /at column 12 the exporter writes severity_text:Utf8, this data has body:Utf8/,
    ],
    [
      'an extra column',
      withColumns(good, (columns) => [...columns.slice(0, -3), { field: new Field('note', new Utf8(), true), data: columns.at(-1)!.data }, ...columns.slice(-3)]),
      /at column 17 the exporter writes an attr_\* column \(nullable Utf8\) or resource_attributes:Utf8, this data has note:Utf8/,
    ],
    [
      'a wrong type',
      withColumns(good, (columns) =>
        columns.map((column) =>
          column.field.name === 'severity_number'
            ? { field: new Field('severity_number', new Int64(), false), data: makeData({ type: new Int64(), length: 10, nullCount: 0, data: new BigInt64Array(10) }) }
            : column,
        ),
      ),
      /the exporter writes severity_number:Int32 not null, this data has severity_number:Int64 not null/,
    ],
    [
      'nanosecond timestamps',
      withColumns(good, (columns) =>
        columns.map((column) =>
          column.field.name === 'time_unix_nano'
            ? {
                field: new Field('time_unix_nano', nanosecond, false),
                data: makeData({ type: nanosecond, length: 10, nullCount: 0, data: BigInt64Array.from(micros.values as BigInt64Array, (v) => v * 1000n) }),
              }
            : column,
        ),
      ),
      /the exporter writes time_unix_nano:Timestamp<MICROSECOND, UTC> not null, this data has time_unix_nano:Timestamp<NANOSECOND, UTC> not null/,
    ],
  ]
  for (const [label, batch, message] of cases) {
    const path = await writeInput(label.replaceAll(' ', '-'), batch)
    const root = join(work, `root-${label.replaceAll(' ', '-')}`)
    const refused = await runCli(['ingest', 'otel_logs', path, '--path', root])
    assert.equal(refused.code, 2, `${label}: ${refused.stderr}`)
    assert.match(refused.stderr, /does not have the exporter's otel_logs shape/, label)
    assert.match(refused.stderr, message, label)
    assert.match(refused.stderr, /--schema any/, `${label}: the hint names the way out`)
    assert.deepEqual(await filesUnder(root, '.ipc'), [], `${label}: nothing appended`)
    const json = await runCli(['ingest', 'otel_logs', path, '--path', root, '--json'])
    assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'NOT_EXPORTER_SHAPE')
    const anyShape = await runCli(['ingest', 'otel_logs', path, '--path', root, '--schema', 'any', '--json'])
    assert.equal(anyShape.code, 0, `${label} with --schema any: ${anyShape.stderr}`)
    assert.equal((JSON.parse(anyShape.stdout) as IngestReport).rows, 10)
  }

  // Tables that are not the exporter's keep the check against their current stream.
  const custom = join(work, 'custom')
  assert.equal((await runCli(['ingest', 'app_logs', input('app-logs-stream.arrows'), '--path', custom])).code, 0)
  const other = await runCli(['ingest', 'app_logs', input('logs-stream.arrows'), '--path', custom])
  assert.equal(other.code, 2)
  assert.match(other.stderr, /schema mismatch/)
})
