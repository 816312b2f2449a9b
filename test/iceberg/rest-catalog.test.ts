/**
 * recover and flush into the exporter's Iceberg table through a real REST catalog (Iceberg's own
 * RESTCatalogServer), read back by pyiceberg, with the exporter's own append (iceberg-go v0.5.0)
 * before and after bufctl's; and what an operator meets when the catalog misbehaves.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdir, readdir, readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { closedPort } from '../helpers/s3.js'
import { copyFixture, expandIds, expectedOf, snapshot } from '../helpers/spill.js'
import { writeStream } from '../helpers/arrow.js'
import { createTable, exporterAppend, isCommit, readIceberg, startRestCatalog } from '../helpers/iceberg.js'
import { exporterBatch, timeOf } from '../fixtures/exporter-data.js'
import { partitionPath } from '../../src/lib/sink/partitioning.js'
import type { ReplayReport } from '../../src/lib/replay/index.js'

const HOUR_US = 3_600_000_000n

test('recover into a REST catalog: every row once in the exporter-shaped table, with its partition spec, statistics and summary; the exporter appends on top, and bufctl again', async (t) => {
  const catalog = await startRestCatalog(t)
  const { root, work } = await copyFixture(t, 'crashed')
  const expected = await expectedOf('crashed')

  const dry = await runCli(['recover', '--path', root, '--iceberg-catalog', catalog.url, '--table', 'otel_logs', '--dry-run', '--json'])
  assert.equal(dry.code, 0, dry.stderr)
  assert.deepEqual((JSON.parse(dry.stdout) as ReplayReport).tables[0]!.iceberg, { table: 'otel.otel_logs', action: 'create', snapshots: [] })

  const result = await runCli(['recover', '--path', root, '--iceberg-catalog', catalog.url, '--json'])
  assert.equal(result.code, 0, result.stderr)
  const report = JSON.parse(result.stdout) as ReplayReport
  const logs = report.tables.find((table) => table.table === 'otel_logs')!
  assert.equal(logs.iceberg?.action, 'create')
  assert.equal(logs.iceberg.snapshots.length, 1)
  assert.ok(logs.outputs.every((output) => output.path.startsWith(join(catalog.warehouse.slice('file://'.length), 'otel', 'otel_logs', 'data') + '/')))

  for (const table of ['otel_logs', 'otel_traces', 'otel_metrics_gauge']) {
    const read = await readIceberg(catalog.url, table)
    assert.deepEqual(
      [...read.ids].sort((a, b) => a! - b!),
      expandIds(expected.ids[table]!),
      `${table}: every row once`,
    )
    const column = table === 'otel_traces' ? 'start_time_unix_nano' : 'time_unix_nano'
    const source = read.schema.find((field) => field.name === column)!
    assert.equal(source.type, 'timestamptz')
    assert.deepEqual(read.spec, [{ source: source.id, id: 1000, name: `${column}_hour`, transform: 'hour' }])
    assert.deepEqual(
      read.schema.map((field) => field.id),
      read.schema.map((_, index) => index + 1),
      'fresh ids 1..n in schema order',
    )
    // Rows per partition: hours since the epoch of each row's time.
    const perHour = new Map<number, number>()
    for (const id of read.ids) {
      const hour = Number(timeOf(id!) / HOUR_US)
      perHour.set(hour, (perHour.get(hour) ?? 0) + 1)
    }
    assert.deepEqual(read.partitions, Object.fromEntries([...perHour].map(([hour, rows]) => [`[${hour}]`, rows])))
    const [snap] = read.snapshots
    assert.equal(read.snapshots.length, 1)
    assert.equal(snap!.summary.operation, 'append')
    assert.equal(snap!.summary['added-records'], String(read.rows))
    assert.equal(snap!.summary['total-records'], String(read.rows))
    assert.match(snap!.summary['bufctl.drain-id']!, /^[0-9a-f]{32}$/)
    assert.ok(snap!.summary['bufctl.version'] && snap!.summary['bufctl.host'])
    assert.ok(read.properties['schema.name-mapping.default'], 'the name mapping is set on the first append')
    for (const file of read.files) {
      // Statistics engines prune by: the time column's bounds hold the file's own rows.
      assert.equal(file.valueCounts[String(source.id)], file.records)
      assert.equal(file.nullCounts[String(source.id)], 0)
      assert.ok(file.columnSizes[String(source.id)]! > 0)
      const lower = Buffer.from(file.lowerBounds[String(source.id)]!, 'hex').readBigInt64LE()
      const upper = Buffer.from(file.upperBounds[String(source.id)]!, 'hex').readBigInt64LE()
      assert.equal(Number(lower / HOUR_US), file.partition[0])
      assert.equal(Number(upper / HOUR_US), file.partition[0])
    }
  }

  // The exporter, restarted, appends to the table bufctl made (it reads bufctl's manifests to refuse duplicates).
  const exporterFile = join(work, 'exporter.ipc')
  await writeStream(exporterFile, [exporterBatch('otel_logs', 10_000, 50)])
  const hour = partitionPath(Number(timeOf(10_000) / 1000n), 'hour')
  assert.equal(await exporterAppend(catalog.url, 'otel_logs', exporterFile, hour), 50)

  // And bufctl appends on top of the exporter's snapshot.
  const later = await copyFixture(t, 'clean')
  const clean = await expectedOf('clean')
  const flushed = await runCli(['flush', '--path', later.root, '--iceberg-catalog', catalog.url, '--table', 'otel_logs', '--json'])
  assert.equal(flushed.code, 0, flushed.stderr)
  assert.equal((JSON.parse(flushed.stdout) as ReplayReport).tables[0]!.iceberg?.action, 'append')
  const read = await readIceberg(catalog.url, 'otel_logs')
  const want = [...expandIds(expected.ids.otel_logs!), ...Array.from({ length: 50 }, (_, i) => 10_000 + i), ...expandIds(clean.ids.otel_logs!)]
  assert.deepEqual(
    [...read.ids].sort((a, b) => a! - b!),
    want.sort((a, b) => a - b),
    'every row of all three appends, once',
  )
  assert.equal(read.snapshots.length, 3)
  assert.equal(read.snapshots.at(-1)!.summary['total-records'], String(want.length))

  // And the exporter once more, on top of that (bufctl's second manifest list carried the others).
  await writeStream(exporterFile, [exporterBatch('otel_logs', 20_000, 10)])
  assert.equal(await exporterAppend(catalog.url, 'otel_logs', exporterFile, partitionPath(Number(timeOf(20_000) / 1000n), 'hour')), 10)
  assert.equal((await readIceberg(catalog.url, 'otel_logs')).rows, want.length + 10)
})

test('a table that lacks a column of the data refuses that table by name (exit 2), commits nothing and leaves its files pending; the others proceed', async (t) => {
  const catalog = await startRestCatalog(t)
  const { root } = await copyFixture(t, 'clean')
  // otel_logs as another writer made it: without the body column.
  const { exporterColumns } = await import('../../src/lib/format/exporter-schemas.js')
  const columns = exporterColumns('otel_logs').filter((column) => column.name !== 'body')
  await createTable(catalog.direct, 'otel_logs', {
    type: 'struct',
    'schema-id': 0,
    fields: columns.map((column, index) => ({
      id: index + 1,
      name: column.name,
      required: !column.nullable,
      type: column.type === 'timestamp' ? 'timestamptz' : icebergType(column.type),
    })),
  })
  const before = await snapshot(join(root, 'otel_logs'))
  const result = await runCli(['flush', '--path', root, '--iceberg-catalog', catalog.url, '--json'])
  assert.equal(result.code, 2, result.stderr)
  const report = JSON.parse(result.stdout) as ReplayReport
  const logs = report.tables.find((table) => table.table === 'otel_logs')!
  assert.equal(logs.status, 'failed')
  assert.equal(logs.error?.code, 'TABLE_SCHEMA')
  assert.match(logs.error.message, /otel\.otel_logs.*column body: the table has no such column/)
  assert.deepEqual(await snapshot(join(root, 'otel_logs')), before, 'the files are as they were')
  assert.equal((await readIceberg(catalog.url, 'otel_logs')).snapshots.length, 0, 'nothing committed')
  assert.ok(report.tables.filter((table) => table.table !== 'otel_logs').every((table) => table.status === 'done' || table.status === 'empty'))
})

function icebergType(type: string): string {
  return { string: 'string', int32: 'int', int64: 'long', float64: 'double', bool: 'boolean' }[type] ?? type
}

test('a catalog that does not answer changes nothing (exit 75, naming the URL); one that refuses bufctl says what was denied (exit 2)', async (t) => {
  const { root } = await copyFixture(t, 'crashed')
  const before = await snapshot(root)
  const down = `http://127.0.0.1:${await closedPort()}`
  const unreachable = await runCli(['recover', '--path', root, '--iceberg-catalog', down])
  assert.equal(unreachable.code, 75, unreachable.stderr)
  assert.ok(unreachable.stderr.includes(down), unreachable.stderr)
  assert.deepEqual(await snapshot(root), before, 'nothing changed')

  const catalog = await startRestCatalog(t)
  catalog.faults.push({ match: () => true, kind: 401, times: Infinity })
  const denied = await runCli(['recover', '--path', root, '--iceberg-catalog', catalog.url, '--iceberg-token', 'wrong-token-value'])
  assert.equal(denied.code, 2, denied.stderr)
  assert.match(denied.stderr, /refused GET \/v1\/config \(HTTP 401/)
  assert.doesNotMatch(denied.stderr + denied.stdout, /wrong-token-value/, 'the secret never appears')
  assert.deepEqual(await snapshot(root), before, 'nothing changed')
})

test('commits refused by a storm of 409s are retried, then given up (exit 75) with nothing committed, the files pending and no manifest left; a 500 on the commit and an answer lost after the catalog took it each end with the rows in the table once', async (t) => {
  const catalog = await startRestCatalog(t)
  const { root } = await copyFixture(t, 'clean')
  const before = await snapshot(join(root, 'otel_logs'))
  catalog.faults.push({ match: isCommit, kind: 409, times: Infinity })
  const stormed = await runCli(['flush', '--path', root, '--iceberg-catalog', catalog.url, '--table', 'otel_logs', '--json'])
  assert.equal(stormed.code, 75, stormed.stderr)
  const report = JSON.parse(stormed.stdout) as ReplayReport
  assert.equal(report.tables[0]!.error?.code, 'CATALOG_CONFLICT')
  assert.ok(catalog.calls.filter(isCommit).length >= 5, 'retried')
  assert.deepEqual(await snapshot(join(root, 'otel_logs')), before, 'the files are pending again, as they were')
  const location = join(catalog.warehouse.slice('file://'.length), 'otel', 'otel_logs')
  assert.deepEqual(await listOr(join(location, 'data')), [], 'no data file left')
  assert.deepEqual(
    (await listOr(join(location, 'metadata'))).filter((name) => name.endsWith('.avro')),
    [],
    'no manifest left',
  )
  catalog.faults.length = 0

  const clean = await expectedOf('clean')
  // A 500 on the first commit: the outcome is unknown; bufctl reads the table again before deciding.
  catalog.faults.push({ match: isCommit, kind: 500, times: 1 })
  const failed = await runCli(['flush', '--path', root, '--iceberg-catalog', catalog.url, '--table', 'otel_logs'])
  assert.equal(failed.code, 0, failed.stderr)
  let read = await readIceberg(catalog.url, 'otel_logs')
  assert.deepEqual(
    [...read.ids].sort((a, b) => a! - b!),
    expandIds(clean.ids.otel_logs!),
  )

  // The catalog takes the commit and the answer is lost on the way back: bufctl finds its commit in the history.
  const more = await copyFixture(t, 'clean')
  catalog.faults.push({ match: isCommit, kind: 'drop-answer', times: 1 })
  const lost = await runCli(['flush', '--path', more.root, '--iceberg-catalog', catalog.url, '--table', 'otel_logs'])
  assert.equal(lost.code, 0, lost.stderr)
  read = await readIceberg(catalog.url, 'otel_logs')
  assert.equal(read.rows, 2 * clean.rows.otel_logs!, 'each drain once')
  assert.equal(read.snapshots.length, 2)
})

async function listOr(directory: string): Promise<string[]> {
  return readdir(directory, { recursive: true }).then(
    (names) => names.filter((name) => name.includes('.')),
    () => [],
  )
}

test('--out and --iceberg-catalog together, --keep with a catalog, and a catalog URL that is neither http nor file are usage errors', async (t) => {
  const { root, out } = await copyFixture(t, 'clean')
  await mkdir(out, { recursive: true })
  for (const args of [
    ['--out', out, '--iceberg-catalog', 'file:///tmp/x'],
    ['--keep', '--iceberg-catalog', 'file:///tmp/x'],
    ['--iceberg-catalog', 'thrift://metastore:9083'],
    ['--out', out, '--iceberg-token', 'abc'],
  ]) {
    const result = await runCli(['recover', '--path', root, ...args])
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
    assert.match(result.stderr, /--out|--keep|--iceberg-catalog|--iceberg-token/)
  }
})

test('OAuth2 client credentials are exchanged at the token endpoint, again before the token expires, and sent as a bearer token; no secret reaches the output or the journal', async (t) => {
  const catalog = await startRestCatalog(t)
  // A token endpoint whose tokens live one second: bufctl exchanges again before each expires.
  const exchanges: string[] = []
  const tokens = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      exchanges.push(body)
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `token-${exchanges.length}`, token_type: 'Bearer', expires_in: 1 }))
    })
  })
  tokens.listen(0, '127.0.0.1')
  await once(tokens, 'listening')
  t.after(() => new Promise<void>((resolve) => tokens.close(() => resolve())))
  const endpoint = `http://127.0.0.1:${(tokens.address() as AddressInfo).port}/oauth/token`
  const { root } = await copyFixture(t, 'crashed')
  const env = { BUFCTL_ICEBERG_CREDENTIAL: 'bufctl-client:very-secret-value', BUFCTL_ICEBERG_OAUTH2_SERVER_URI: endpoint, BUFCTL_ICEBERG_SCOPE: 'catalog:write' }
  const killed = await runCli(['recover', '--path', root, '--table', 'otel_logs', '--iceberg-catalog', catalog.url], { env: { ...env, BUFCTL_CRASH_AT: 'journal-durable' } })
  assert.equal(killed.code, -1)
  const journal = await readFile(join(root, 'otel_logs', 'bufctl-commit.json'), 'utf8')
  assert.doesNotMatch(journal, /very-secret-value|token-\d/, 'no secret in the journal')
  const result = await runCli(['recover', '--path', root, '--iceberg-catalog', catalog.url, '--json'], { env })
  assert.equal(result.code, 0, result.stderr)
  assert.doesNotMatch(result.stdout + result.stderr, /very-secret-value|token-\d/, 'no secret in the output')
  assert.ok(exchanges.length >= 2, `${exchanges.length} exchanges`)
  assert.match(exchanges[0]!, /grant_type=client_credentials/)
  assert.match(exchanges[0]!, /client_id=bufctl-client/)
  assert.match(exchanges[0]!, /scope=catalog%3Awrite/)
  const bearers = catalog.calls.map((call) => call.authorization)
  assert.ok(
    bearers.every((value) => /^Bearer token-\d+$/.test(value ?? '')),
    bearers.join(', '),
  )
  assert.ok(new Set(bearers).size >= 2, 'a fresh token once the old one was about to expire')
})
