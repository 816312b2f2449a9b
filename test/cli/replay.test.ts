import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { readFile, writeFile } from 'node:fs/promises'
import { runCli } from '../helpers/cli.js'
import { copyFixture, expandIds, expectedOf, exists, filesUnder, parquetColumns, readParquetRows, rowId, snapshot } from '../helpers/spill.js'
import { holdLockElsewhere } from '../helpers/fs.js'
import { gaugeSeries, logBody, timeOf } from '../fixtures/general-data.js'
import { EXPORTER_TABLES, exporterRowId, invalidBody, valueOf } from '../fixtures/exporter-data.js'
import { exporterColumns } from '../../src/lib/format/exporter-schemas.js'
import type { StatusReport } from '../../src/lib/inspect/index.js'
import type { ReplayReport } from '../../src/lib/replay/index.js'

test('recover then flush: an independent reader (hyparquet) reads every row the exporter would keep, once, with exporter types and values, on all seven tables', async (t) => {
  const { root, out } = await copyFixture(t, 'crashed')
  const expected = await expectedOf('crashed')
  const recovered = await runCli(['recover', '--path', root, '--out', out])
  assert.equal(recovered.code, 0, recovered.stderr)
  const flushed = await runCli(['flush', '--path', root, '--out', out])
  assert.equal(flushed.code, 0, flushed.stderr)

  assert.deepEqual(await filesUnder(root, '.ipc').then((files) => files.filter((f) => !f.includes('/quarantine/'))), [])
  const partitions = (await filesUnder(out, '.parquet')).map((file) => /hour=(\d\d)/.exec(file)?.[1])
  assert.ok(partitions.includes('05') && partitions.includes('06'), `hour partitions: ${partitions.join(',')}`)

  for (const table of EXPORTER_TABLES) {
    const promoted = table === 'otel_metrics_sum' ? ['service.name', 'host.name', 'k8s.namespace.name'] : undefined
    const invalidUtf8 = table === 'otel_logs' ? new Set([250, 251]) : undefined
    const rows = await readParquetRows(join(out, table))
    assert.deepEqual(
      rows.map(exporterRowId).sort((a, b) => a - b),
      expandIds(expected.ids[table]!),
      `${table}: every complete row exactly once`,
    )
    const specs = exporterColumns(table, promoted)
    for (const row of rows) {
      const id = exporterRowId(row)
      assert.deepEqual(
        Object.keys(row),
        specs.map((spec) => spec.name),
        `${table}: the exporter's columns in its order`,
      )
      for (const spec of specs) {
        const value = valueOf(table, spec, id, { promoted, invalidUtf8 })
        const want = value instanceof Uint8Array ? invalidBody(id).repaired : value
        const got = spec.type === 'timestamp' && row[spec.name] !== null ? BigInt((row[spec.name] as Date).getTime()) * 1000n : row[spec.name]
        assert.deepEqual(got, want, `${table} row ${id} column ${spec.name}`)
      }
    }
    const [file] = await filesUnder(join(out, table), '.parquet')
    const columns = await parquetColumns(file!)
    for (const spec of specs) {
      const column = columns[spec.name]!
      assert.equal(column.type, PARQUET_TYPES[spec.type], `${table}.${spec.name}`)
      if (spec.type === 'timestamp') assert.deepEqual(JSON.parse(column.logicalType!), { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' })
      if (spec.type === 'string') assert.deepEqual(JSON.parse(column.logicalType!), { type: 'STRING' })
      assert.equal(column.codec, 'ZSTD')
      assert.equal(column.hasStatistics, true)
    }
  }
  const logs = await readParquetRows(join(out, 'otel_logs'))
  assert.deepEqual(
    logs
      .filter((row) => (row.body as string).includes('\uFFFD'))
      .map(exporterRowId)
      .sort(),
    [250, 251],
    'the rows with invalid UTF-8 are kept, with U+FFFD in place of each invalid sequence',
  )
})

/** The Parquet physical type of each exporter column type. */
const PARQUET_TYPES = { string: 'BYTE_ARRAY', int32: 'INT32', int64: 'INT64', float64: 'DOUBLE', bool: 'BOOLEAN', timestamp: 'INT64' } as const

test('recover reports invalid UTF-8 per table and column, and status --deep counts it', async (t) => {
  const { root, out } = await copyFixture(t, 'crashed')
  const expected = await expectedOf('crashed')
  const deep = await runCli(['status', '--path', root, '--deep', '--json'])
  const status = JSON.parse(deep.stdout) as StatusReport
  for (const table of status.tables) assert.deepEqual(table.invalidUtf8, expected.invalidUtf8[table.table], table.table)
  const result = await runCli(['recover', '--path', root, '--out', out, '--json'])
  assert.equal(result.code, 0, result.stderr)
  const report = JSON.parse(result.stdout) as ReplayReport
  for (const table of report.tables) assert.deepEqual(table.repairedUtf8, expected.invalidUtf8[table.table], table.table)
  const again = await copyFixture(t, 'crashed')
  const human = await runCli(['recover', '--path', again.root, '--out', again.out])
  assert.match(human.stdout, /invalid UTF-8 body: 2 value\(s\) kept, written with U\+FFFD/)
})

test('Parquet output of other producers keeps their types: nanosecond UTC timestamps, int32, strings from Utf8, LargeUtf8 and dictionaries', async (t) => {
  const { root, out } = await copyFixture(t, 'general')
  const expected = await expectedOf('general')
  const result = await runCli(['recover', '--path', root, '--out', out])
  assert.equal(result.code, 0, result.stderr)
  const [file] = await filesUnder(join(out, 'app_logs'), '.parquet')
  const columns = await parquetColumns(file!)
  assert.equal(columns.time_unix_nano!.type, 'INT64')
  assert.deepEqual(JSON.parse(columns.time_unix_nano!.logicalType!), { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' })
  assert.equal(columns.severity_number!.type, 'INT32')
  for (const name of ['body', 'severity_text', 'service_name', 'resource_attributes', 'trace_id']) {
    assert.equal(columns[name]!.type, 'BYTE_ARRAY', name)
    assert.deepEqual(JSON.parse(columns[name]!.logicalType!), { type: 'STRING' }, name)
  }
  const nanos = (value: unknown) => (value === null ? null : String(BigInt((value as Date).getTime()) * 1_000_000n))
  const logs = await readParquetRows(join(out, 'app_logs'))
  assert.deepEqual(
    logs.map((row) => rowId('app_logs', row)).sort((a, b) => a - b),
    expandIds(expected.ids.app_logs!),
  )
  for (const row of logs) {
    const id = rowId('app_logs', row)
    assert.equal(row.body, logBody(id))
    assert.equal(nanos(row.time_unix_nano), String(timeOf(id)))
    assert.equal(row.service_name, ['checkout', 'cart', 'frontend', 'payment'][id % 4])
  }
  const gauge = await readParquetRows(join(out, 'app_gauge'))
  for (const row of gauge) assert.equal(row.attributes, gaugeSeries(rowId('app_gauge', row)))
  assert.equal(gauge.length, expected.rows.app_gauge)
})

test('--compression, --granularity day and --partition-by change codec and layout', async (t) => {
  const { root, out } = await copyFixture(t, 'clean')
  const result = await runCli([
    'flush',
    '--path',
    root,
    '--out',
    out,
    '--compression',
    'snappy',
    '--granularity',
    'day',
    '--table',
    'otel_logs',
    '--partition-by',
    'observed_time_unix_nano',
  ])
  assert.equal(result.code, 0, result.stderr)
  const files = await filesUnder(out, '.parquet')
  assert.ok(files.length > 0)
  for (const file of files) assert.match(file, /otel_logs\/data\/year=2026\/month=11\/day=24\/[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.parquet$/)
  const codecs = new Set(Object.values(await parquetColumns(files[0]!)).map((column) => column.codec))
  assert.deepEqual([...codecs], ['SNAPPY'])
  assert.ok(await exists(join(root, 'otel_traces', 'pending-000001.ipc')), 'other tables untouched by --table')
})

test('a missing partition column fails that table with a message naming the column (exit 1)', async (t) => {
  const { root, out } = await copyFixture(t, 'clean')
  const before = await snapshot(root)
  const result = await runCli(['flush', '--path', root, '--out', out, '--table', 'otel_logs', '--partition-by', 'no_such_column'])
  assert.equal(result.code, 1)
  assert.match(result.stderr, /no column no_such_column/)
  assert.deepEqual(await snapshot(root), before)
})

test('flush leaves a damaged table untouched and reports it; the other tables proceed (exit 1)', async (t) => {
  const { root, out } = await copyFixture(t, 'crashed')
  const logsBefore = await snapshot(join(root, 'otel_logs'))
  const result = await runCli(['flush', '--path', root, '--out', out, '--json'])
  assert.equal(result.code, 1)
  const report = JSON.parse(result.stdout) as ReplayReport
  assert.deepEqual([...report.failed].sort(), ['otel_logs', 'otel_metrics_gauge', 'otel_metrics_histogram'])
  const traces = report.tables.find((table) => table.table === 'otel_traces')!
  assert.equal(traces.status, 'done')
  assert.equal(traces.rows, 450)
  const logs = report.tables.find((table) => table.table === 'otel_logs')!
  assert.equal(logs.error?.code, 'CORRUPT_STREAM')
  assert.match(logs.error.message, /otel_logs\/active\.ipc/)
  assert.match(logs.error.hint, /recover/)
  assert.deepEqual(await snapshot(join(root, 'otel_logs')), logsBefore)
})

test('recover --dry-run reports the exact rows and changes nothing', async (t) => {
  const { root, out } = await copyFixture(t, 'crashed')
  const expected = await expectedOf('crashed')
  const before = await snapshot(root)
  const result = await runCli(['recover', '--path', root, '--out', out, '--dry-run', '--json'])
  assert.equal(result.code, 0, result.stderr)
  const report = JSON.parse(result.stdout) as ReplayReport
  assert.equal(report.dryRun, true)
  for (const table of report.tables) assert.equal(table.rows, expected.rows[table.table], table.table)
  const logs = report.tables.find((table) => table.table === 'otel_logs')!
  assert.equal(logs.salvaged[0]!.file, 'active.ipc')
  assert.equal(logs.salvaged[0]!.droppedBytes, expected.tornBytes.otel_logs)
  assert.deepEqual(await snapshot(root), before)
  assert.equal(await exists(out), false, 'no output directory was created')
})

test('recover reports dropped bytes exactly and keeps the torn original in quarantine/', async (t) => {
  const { root, out } = await copyFixture(t, 'crashed')
  const expected = await expectedOf('crashed')
  const result = await runCli(['recover', '--path', root, '--out', out, '--json'])
  assert.equal(result.code, 0, result.stderr)
  const report = JSON.parse(result.stdout) as ReplayReport
  assert.equal(
    report.rows,
    Object.values(expected.rows).reduce((a, b) => a + b, 0),
  )
  for (const table of ['otel_logs', 'otel_metrics_gauge']) {
    const entry = report.tables.find((t) => t.table === table)!
    assert.equal(entry.salvaged.length, 1)
    assert.equal(entry.salvaged[0]!.droppedBytes, expected.tornBytes[table])
    const quarantined = await filesUnder(join(root, table, 'quarantine'))
    assert.deepEqual(
      quarantined.map((file) => file.split('/').pop()),
      [entry.salvaged[0]!.file, `${entry.salvaged[0]!.file}.reason.json`],
      `${table}: the torn original is kept, with why`,
    )
    const why = JSON.parse(await readFile(quarantined[1]!, 'utf8')) as { reason: string; from: string }
    assert.match(why.reason, /damaged/)
  }
})

test('recover quarantines 0-byte and schema-only files and leaves the directory openable', async (t) => {
  const { root, out } = await copyFixture(t, 'clean')
  const logs = join(root, 'otel_logs')
  await writeFile(join(logs, 'active.ipc'), new Uint8Array(0))
  const streamHead = (await import('node:fs/promises')).readFile(join(logs, 'pending-000001.ipc'))
  const { bytesSource, scanStream } = await import('../../src/lib/format/index.js')
  const bytes = await streamHead
  const scan = await scanStream(bytesSource(bytes))
  await writeFile(join(logs, 'pending-000009.ipc'), bytes.subarray(0, scan.messages[0]!.end))
  const result = await runCli(['recover', '--path', root, '--out', out, '--table', 'otel_logs', '--json'])
  assert.equal(result.code, 0, result.stderr)
  const report = JSON.parse(result.stdout) as ReplayReport
  const quarantined = report.tables[0]!.quarantined.map((q) => q.file).sort()
  assert.deepEqual(quarantined, ['active.ipc', 'pending-000009.ipc'])
  assert.deepEqual((await filesUnder(join(logs, 'quarantine'))).map((f) => f.split('/').pop()).sort(), [
    'active.ipc',
    'active.ipc.reason.json',
    'pending-000009.ipc',
    'pending-000009.ipc.reason.json',
  ])
  assert.equal(report.tables[0]!.rows, 100)
  const { DiskStore } = await import('../../src/lib/buffer/disk-store.js')
  const store = await DiskStore.open(logs)
  assert.equal(store.rows(), 0)
  await store.close()
})

test('recover --keep writes Parquet and leaves the pending files in place', async (t) => {
  const { root, out } = await copyFixture(t, 'clean')
  const result = await runCli(['recover', '--path', root, '--out', out, '--keep'])
  assert.equal(result.code, 0, result.stderr)
  assert.equal((await filesUnder(out, '.parquet')).length > 0, true)
  assert.deepEqual(
    (await filesUnder(join(root, 'otel_logs'), '.ipc')).map((f) => f.split('/').pop()),
    ['pending-000001.ipc', 'pending-000002.ipc'],
  )
})

test('flush without --out is a usage error naming the flag (exit 2); a root that is a file names it (exit 2)', async (t) => {
  const { root } = await copyFixture(t, 'clean')
  const noOut = await runCli(['flush', '--path', root])
  assert.equal(noOut.code, 2)
  assert.match(noOut.stderr, /--out/)
  const file = join(root, 'otel_logs', 'pending-000001.ipc')
  const notDirectory = await runCli(['flush', '--path', file, '--out', '/tmp/x'])
  assert.equal(notDirectory.code, 2)
  assert.match(notDirectory.stderr, /pending-000001\.ipc is not a directory/)
  const viaEnv = await runCli(['recover', '--dry-run', '--json'], { env: { BUFCTL_PATH: root } })
  assert.equal(viaEnv.code, 0, viaEnv.stderr)
  assert.equal((JSON.parse(viaEnv.stdout) as ReplayReport).root, root)
})

test('a table locked by util-linux flock: flush and recover exit 75 and leave it byte for byte', async (t) => {
  const { root, out } = await copyFixture(t, 'crashed')
  const holder = await holdLockElsewhere(join(root, 'otel_logs', '.lock'))
  t.after(() => holder.release())
  const before = await snapshot(root)
  for (const command of ['flush', 'recover']) {
    const result = await runCli([command, '--path', root, '--out', out, '--table', 'otel_logs'])
    assert.equal(result.code, 75, `${command}: ${result.stderr}`)
    assert.match(result.stderr, /otel_logs is in use/)
    assert.match(result.stderr, new RegExp(`pid ${holder.pid}`))
  }
  assert.deepEqual(await snapshot(root), before)
  const all = await runCli(['recover', '--path', root, '--out', out, '--json'])
  assert.equal(all.code, 75, 'other tables done, the locked one is retried later')
  const report = JSON.parse(all.stdout) as ReplayReport
  assert.deepEqual(report.inUse, ['otel_logs'])
  assert.equal(report.tables.find((table) => table.table === 'otel_traces')!.status, 'done')
})

test('--target-file-size splits a partition into parts, encoded in worker threads, each row once', async (t) => {
  const { root, out } = await copyFixture(t, 'crashed')
  const expected = await expectedOf('crashed')
  const result = await runCli(['recover', '--path', root, '--out', out, '--target-file-size', '16KiB', '--json'])
  assert.equal(result.code, 0, result.stderr)
  const report = JSON.parse(result.stdout) as ReplayReport
  const logs = report.tables.find((table) => table.table === 'otel_logs')!
  const perPartition = new Map<string, number>()
  for (const output of logs.outputs) perPartition.set(output.partition, (perPartition.get(output.partition) ?? 0) + 1)
  assert.ok(
    [...perPartition.values()].some((files) => files > 1),
    `a partition holds several parts: ${JSON.stringify([...perPartition])}`,
  )
  const ids = (await readParquetRows(join(out, 'otel_logs'))).map(exporterRowId).sort((a, b) => a - b)
  assert.deepEqual(ids, expandIds(expected.ids.otel_logs!))
  assert.equal(
    logs.outputs.reduce((sum, output) => sum + output.rows, 0),
    expected.rows.otel_logs,
  )
})
