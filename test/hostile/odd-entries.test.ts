/**
 * Odd entries where buffer files should be — FIFOs, a directory, a socket, names that are not
 * UTF-8 or carry terminal escapes, row counts a file cannot hold, schemas of 100,000 columns —
 * are reported on their own table and skipped: nothing hangs, the other files and tables drain.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { Field, Int32, makeData, RecordBatch, RecordBatchStreamWriter, Schema, Struct, Table, tableToIPC } from 'apache-arrow'
import { runCli } from '../helpers/cli.js'
import { holdLockElsewhere } from '../helpers/fs.js'
import { victim } from '../helpers/hostile.js'
import { copyFixture, expectedOf, filesUnder, readParquetRows, snapshot } from '../helpers/spill.js'
import type { ReplayReport } from '../../src/lib/replay/index.js'
import type { StatusReport } from '../../src/lib/inspect/index.js'

/** Long enough for any machine; a hang is forever, so a kill at this point means one. */
const HANG = 60_000

test('FIFOs named pending-*.ipc, active.ipc or the journal hang neither status nor recover; the table drains its files', async (t) => {
  const { root, out } = await copyFixture(t, 'clean')
  const expected = await expectedOf('clean')
  execFileSync('mkfifo', [join(root, 'otel_logs', 'pending-000003.ipc'), join(root, 'otel_traces', 'active.ipc'), join(root, 'otel_metrics_gauge', 'bufctl-commit.json')])

  const status = await runCli(['status', '--path', root, '--json'], { timeoutMs: HANG })
  const report = JSON.parse(status.stdout) as StatusReport
  const logs = report.tables.find((table) => table.table === 'otel_logs')!
  assert.deepEqual(
    logs.oddEntries.map((entry) => entry.name),
    ['pending-000003.ipc'],
  )
  assert.match(logs.oddEntries[0]!.reason, /FIFO/)
  assert.equal(logs.rows, expected.rows.otel_logs, 'the regular files are still counted')
  assert.match(report.tables.find((table) => table.table === 'otel_traces')!.oddEntries[0]?.reason ?? '', /FIFO/)
  assert.ok(report.interrupted.includes('otel_metrics_gauge'), 'a journal entry, whatever it is, marks the table')

  const result = await runCli(['recover', '--path', root, '--out', out, '--json'], { timeoutMs: HANG })
  assert.equal(result.code, 1, 'the FIFO journal is refused: exit 1')
  const replay = JSON.parse(result.stdout) as ReplayReport
  const gauge = replay.tables.find((table) => table.table === 'otel_metrics_gauge')!
  assert.equal(gauge.error?.code, 'JOURNAL')
  assert.match(gauge.error.message, /not a regular file/)
  for (const table of ['otel_logs', 'otel_traces', 'otel_metrics_sum']) {
    assert.equal((await readParquetRows(join(out, table))).length, expected.rows[table], `${table}: every row of its regular files`)
  }
  assert.deepEqual(
    replay.tables.find((table) => table.table === 'otel_logs')!.skipped.map((entry) => entry.name),
    ['pending-000003.ipc'],
  )
})

test('a directory named pending-*.ipc, a socket and a name that is not UTF-8 are reported on their own and skipped: status exits 0, the rest drains', async (t) => {
  const { root, out, work } = await copyFixture(t, 'clean')
  const expected = await expectedOf('clean')
  await mkdir(join(root, 'otel_logs', 'pending-000009.ipc'))
  const socketPath = join(root, 'otel_traces', 'pending-000004.ipc')
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(socketPath, resolve))
  t.after(() => server.close())
  await mkdir(Buffer.from([...Buffer.from(join(root, 'otel_')), 0xff, 0xfe]))
  const textfile = join(work, 'bufctl.prom')
  await writeFile(textfile, 'stale\n')

  const status = await runCli(['status', '--path', root, '--json', '--output', textfile], { timeoutMs: HANG })
  assert.equal(status.code, 0, `odd entries are not a threshold breach: ${status.stderr}`)
  const report = JSON.parse(status.stdout) as StatusReport
  assert.match(report.tables.find((table) => table.table === 'otel_logs')!.oddEntries[0]?.reason ?? '', /directory/)
  assert.match(report.tables.find((table) => table.table === 'otel_traces')!.oddEntries[0]?.reason ?? '', /socket/)
  assert.match(report.ignored.map((entry) => entry.reason).join(), /not valid UTF-8/)
  assert.equal(report.tables.length, 7, 'every table is reported')
  assert.notEqual(await readFile(textfile, 'utf8'), 'stale\n', 'the textfile is written, not left stale')

  const result = await runCli(['recover', '--path', root, '--out', out, '--json'], { timeoutMs: HANG })
  assert.equal(result.code, 0, result.stderr)
  for (const table of ['otel_logs', 'otel_traces']) {
    assert.equal((await readParquetRows(join(out, table))).length, expected.rows[table], `${table}: every row`)
  }
})

test('table names with control characters are escaped in human output, never sent to the terminal raw', async (t) => {
  const { root, out } = await copyFixture(t, 'general')
  const hostile = 'app\u001b]0;pwned\u0007\u001b[2J'
  await mkdir(join(root, hostile))
  await writeFile(join(root, hostile, 'pending-000001.ipc'), await readFile(join(root, 'app_logs', 'pending-000001.ipc')))
  for (const args of [
    ['status', '--path', root],
    ['recover', '--path', root, '--out', out, '--granularity', 'none'],
  ]) {
    const result = await runCli(args, { timeoutMs: HANG })
    assert.equal(result.code, 0, result.stderr)
    const printed = result.stdout + result.stderr
    // eslint-disable-next-line no-control-regex -- the point: no control character may be printed
    assert.doesNotMatch(printed, /[\u0000-\u0008\u000b-\u001f\u007f]/, `${args[0]}: no control character reaches the terminal`)
    assert.match(printed, /app\\x1b\]0;pwned\\x07\\x1b\[2J/, `${args[0]}: the name is shown escaped`)
  }
})

test('a record batch claiming 4,294,967,339 rows in a few hundred bytes is flagged, never counted or decoded', async (t) => {
  const { root, out } = await copyFixture(t, 'general')
  const target = await victim(t)
  const stream = implausibleStream()
  assert.ok(stream.byteLength < 1000)
  await mkdir(join(root, 'claims'))
  await writeFile(join(root, 'claims', 'pending-000001.ipc'), stream)
  for (const deep of [[], ['--deep']]) {
    const status = await runCli(['status', '--path', root, '--table', 'claims', '--json', ...deep], { timeoutMs: HANG })
    const table = (JSON.parse(status.stdout) as StatusReport).tables[0]!
    assert.equal(table.rows, 43, `the first batch's 43 rows only ${deep.join('')}`)
    assert.match(table.damage[0]?.reason ?? '', /claims 4294967339 rows, more than its \d+-byte body can hold/)
  }
  const before = await snapshot(join(root, 'app_logs'))
  const result = await runCli(['recover', '--path', root, '--out', out, '--granularity', 'none', '--json'], { timeoutMs: HANG })
  assert.equal(result.code, 0, result.stderr)
  const claims = (JSON.parse(result.stdout) as ReplayReport).tables.find((table) => table.table === 'claims')!
  assert.equal(claims.rows, 43)
  assert.match(claims.salvaged[0]?.reason ?? '', /4294967339 rows/)
  assert.deepEqual(new Uint8Array(await readFile(join(root, 'claims', 'quarantine', 'pending-000001.ipc'))), stream, 'the original is kept byte for byte')
  assert.ok(Object.keys(before).length > 0)
  assert.equal((await filesUnder(join(out, 'app_logs'), '.parquet')).length > 0, true, 'the sibling table drains')
  await target.unchanged()
})

test('a schema of 100,000 columns is refused by name at once (and with --max-columns, its own limit); the sibling drains', async (t) => {
  const { root, out, work } = await copyFixture(t, 'general')
  const wide = wideSchemaOnly(100_000)
  await mkdir(join(root, 'wide'))
  await writeFile(join(root, 'wide', 'pending-000001.ipc'), wide)
  await writeFile(join(root, 'wide', 'pending-000002.ipc'), wideStream(3))

  const status = await runCli(['status', '--path', root, '--table', 'wide', '--json'], { timeoutMs: HANG })
  const table = (JSON.parse(status.stdout) as StatusReport).tables[0]!
  assert.match(table.unsupportedFiles[0]?.reason ?? '', /more than 10000 columns/)

  const result = await runCli(['recover', '--path', root, '--out', out, '--granularity', 'none', '--json'], { timeoutMs: HANG })
  assert.equal(result.code, 0, result.stderr)
  const replayed = (JSON.parse(result.stdout) as ReplayReport).tables.find((entry) => entry.table === 'wide')!
  assert.equal(replayed.rows, 1, 'the three-column file drains')
  assert.match(replayed.quarantined[0]?.reason ?? '', /more than 10000 columns/)
  assert.deepEqual(new Uint8Array(await readFile(join(root, 'wide', 'quarantine', 'pending-000001.ipc'))), wide)

  const input = join(work, 'narrow.arrows')
  await writeFile(input, wideStream(3))
  const refused = await runCli(['ingest', 'narrow', input, '--path', join(work, 'spill2'), '--max-columns', '2'], { timeoutMs: HANG })
  assert.equal(refused.code, 2)
  assert.match(refused.stderr, /more than 2 columns/)
  const accepted = await runCli(['ingest', 'narrow', input, '--path', join(work, 'spill2'), '--max-columns', '3'], { timeoutMs: HANG })
  assert.equal(accepted.code, 0, accepted.stderr)
})

test('status says "commit in progress (pid N)" when a journal is present and the lock is held, not "interrupted"', async (t) => {
  const { root } = await copyFixture(t, 'clean')
  await writeFile(join(root, 'otel_logs', 'bufctl-commit.json'), '{}')
  const holder = await holdLockElsewhere(join(root, 'otel_logs', '.lock'))
  t.after(() => holder.release())
  const json = JSON.parse((await runCli(['status', '--path', root, '--json'], { timeoutMs: HANG })).stdout) as StatusReport
  const logs = json.tables.find((table) => table.table === 'otel_logs')!
  assert.equal(logs.commitInProgress, true)
  assert.equal(logs.interruptedCommit, false)
  assert.ok(!json.interrupted.includes('otel_logs'))
  const human = await runCli(['status', '--path', root], { timeoutMs: HANG })
  assert.match(human.stdout, new RegExp(`commit in progress \\(pid ${holder.pid}\\)`))
  assert.doesNotMatch(human.stdout, /interrupted/)
})

/** Two batches of one Int32 column: 43 rows, then a batch whose row count was raised to 4,294,967,339 (0x1_0000_002B). */
function implausibleStream(): Uint8Array {
  const schema = new Schema([new Field('v', new Int32(), false)])
  const batch = (rows: number) =>
    new RecordBatch(
      schema,
      makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children: [makeData({ type: new Int32(), length: rows, data: new Int32Array(rows) })] }),
    )
  const bytes = tableToIPC(new Table([batch(43), batch(44)]), 'stream')
  // The second batch's row count and field-node length: the int64 44 in its metadata, raised.
  const second = findInt64(bytes, 44n, bytes.byteLength / 2)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let at = second; at >= 0 && at < bytes.byteLength; at = findInt64(bytes, 44n, at + 8)) view.setBigInt64(at, 0x1_0000_002bn, true)
  return bytes
}

function findInt64(bytes: Uint8Array, value: bigint, from: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let at = Math.floor(from / 8) * 8; at + 8 <= bytes.byteLength; at += 8) if (view.getBigInt64(at, true) === value) return at
  return -1
}

function wideStream(columns: number): Uint8Array {
  const fields = Array.from({ length: columns }, (_, index) => new Field(`c${index}`, new Int32(), false))
  const schema = new Schema(fields)
  const children = fields.map(() => makeData({ type: new Int32(), length: 1, data: new Int32Array(1) }))
  return tableToIPC(new Table([new RecordBatch(schema, makeData({ type: new Struct(fields), length: 1, nullCount: 0, children }))]), 'stream')
}

/** A stream of one schema message and no batch: apache-arrow builds a 100,000-column batch only in minutes, and the schema alone is what bufctl must refuse. */
function wideSchemaOnly(columns: number): Uint8Array {
  const writer = new RecordBatchStreamWriter()
  writer.reset(undefined, new Schema(Array.from({ length: columns }, (_, index) => new Field(`c${index}`, new Int32(), false))))
  writer.finish()
  return writer.toUint8Array(true)
}

test('a table directory bufctl may not read is reported on its own (exit 1, with a hint); the other tables are reported and drain', async (t) => {
  const { root, out, work } = await copyFixture(t, 'clean')
  const expected = await expectedOf('clean')
  // Root reads everything: as root, the CLI runs as nobody over a copy nobody owns.
  const asRoot = process.getuid?.() === 0
  const user = asRoot ? { uid: 65534, gid: 65534 } : {}
  if (asRoot) {
    await chmod(work, 0o755)
    execFileSync('chown', ['-R', '65534:65534', work])
  }
  await chmod(join(root, 'otel_logs'), 0o000)
  // Given back before the temporary directory is removed (hooks run after that).
  try {
    const status = await runCli(['status', '--path', root, '--json'], { ...user, timeoutMs: HANG })
    assert.equal(status.code, 1, status.stderr)
    const report = JSON.parse(status.stdout) as StatusReport
    assert.deepEqual(
      report.unreadable.map((entry) => [entry.table, entry.error.code]),
      [['otel_logs', 'PERMISSION']],
    )
    assert.equal(report.tables.length, 6, 'the other tables are reported')
    const human = await runCli(['status', '--path', root], { ...user, timeoutMs: HANG })
    assert.match(human.stderr, /Cannot read table otel_logs: .*permission/i)

    const result = await runCli(['recover', '--path', root, '--out', out, '--json'], { ...user, timeoutMs: HANG })
    assert.equal(result.code, 1)
    const replay = JSON.parse(result.stdout) as ReplayReport
    assert.equal(replay.tables.find((table) => table.table === 'otel_logs')!.error?.code, 'PERMISSION')
    assert.equal((await readParquetRows(join(out, 'otel_traces'))).length, expected.rows.otel_traces)
  } finally {
    await chmod(join(root, 'otel_logs'), 0o750)
  }
})
