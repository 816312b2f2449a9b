import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { Table, tableToIPC } from 'apache-arrow'
import { bytesSource, scanStream } from '../../src/lib/format/index.js'
import { exporterBatch } from '../fixtures/exporter-data.js'
import { runCli } from '../helpers/cli.js'
import { copyFixture, expectedOf, snapshot } from '../helpers/spill.js'
import { holdLockElsewhere } from '../helpers/fs.js'
import type { StatusReport } from '../../src/lib/inspect/index.js'

test('status reports the exact complete rows of the crashed fixture in table, json and prometheus, names the files that block the exporter (exit 1), changing no byte', async (t) => {
  const { root } = await copyFixture(t, 'crashed')
  const expected = await expectedOf('crashed')
  const before = await snapshot(root)

  const json = await runCli(['status', '--path', root, '--json'])
  assert.equal(json.code, 1, 'a file that blocks the exporter makes status exit 1')
  const report = JSON.parse(json.stdout) as StatusReport
  assert.deepEqual(Object.fromEntries(report.tables.map((table) => [table.table, table.rows])), expected.rows)
  const logs = report.tables.find((table) => table.table === 'otel_logs')!
  assert.equal(logs.pendingFiles, 3)
  assert.equal(logs.activeRows, 100)
  assert.equal(logs.tornBytes, expected.tornBytes.otel_logs)
  assert.equal(logs.inUse, false)
  assert.match(logs.schema!, /^\[resource_schema_url:Utf8, resource_dropped_attributes_count:Int32 not null, /)
  assert.deepEqual(logs.exporterShape, { matches: true, promoted: ['attr_service_name', 'attr_log_file_path', 'attr_exception_type', 'attr_exception_message'] })
  assert.equal(logs.damage[0]!.file, 'active.ipc')
  assert.equal(logs.estimatedSizeBytes, 550 * 256)
  assert.equal(
    report.totals.rows,
    Object.values(expected.rows).reduce((a, b) => a + b, 0),
  )
  const blocking = Object.fromEntries(report.tables.map((table) => [table.table, table.blockingFiles.map((file) => file.file)]))
  assert.deepEqual(blocking, expected.blocking)
  assert.deepEqual([...report.blocked].sort(), ['otel_metrics_histogram', 'otel_metrics_sum'])
  const sum = report.tables.find((table) => table.table === 'otel_metrics_sum')!
  assert.match(sum.blockingFiles[0]!.reason, /empty file/)
  const histogram = report.tables.find((table) => table.table === 'otel_metrics_histogram')!
  assert.match(histogram.blockingFiles[0]!.reason, /cut inside its schema message/)
  assert.deepEqual(report.tables.find((table) => table.table === 'otel_metrics_summary')!.pendingFiles, 2, 'pending-2.ipc is a pending file')

  const formatJson = await runCli(['status', '--path', root, '--format', 'json'])
  assert.deepEqual(
    (JSON.parse(formatJson.stdout) as StatusReport).tables.map((table) => table.rows),
    report.tables.map((table) => table.rows),
  )

  const table = await runCli(['status', '--path', root])
  assert.equal(table.code, 1)
  assert.match(table.stdout, /otel_logs\s+550\s+100\s+3\s/)
  assert.match(table.stdout, /otel_traces\s+450\s+100\s+2\s/)
  assert.match(table.stdout, /otel_metrics_gauge\s+135\s+45\s+1\s/)
  assert.match(table.stdout, /blocks the exporter pending-000003\.ipc: empty file/)
  assert.match(table.stdout, /blocks the exporter pending-000002\.ipc: cut inside its schema message/)
  assert.match(table.stderr, /Blocks the exporter: otel_metrics_sum\/pending-000003\.ipc/)

  const prometheus = await runCli(['status', '--path', root, '--format', 'prometheus'])
  assert.equal(prometheus.code, 1)
  const samples = parseExposition(prometheus.stdout)
  assert.equal(samples.get('bufctl_buffer_rows{table="otel_logs"}'), 550)
  assert.equal(samples.get('bufctl_buffer_rows{table="otel_metrics_gauge"}'), 135)
  assert.equal(samples.get('bufctl_buffer_pending_files{table="otel_traces"}'), 2)
  assert.equal(samples.get('bufctl_buffer_in_use{table="otel_logs"}'), 0)
  assert.equal(samples.get('bufctl_buffer_torn_bytes{table="otel_logs"}'), expected.tornBytes.otel_logs)
  assert.equal(samples.get('bufctl_buffer_blocking_files{table="otel_metrics_sum"}'), 1)
  assert.equal(samples.get('bufctl_buffer_blocking_files{table="otel_metrics_histogram"}'), 1)
  assert.equal(samples.get('bufctl_buffer_blocking_files{table="otel_logs"}'), 0)

  const deep = await runCli(['status', '--path', root, '--deep', '--json'])
  assert.deepEqual(
    (JSON.parse(deep.stdout) as StatusReport).tables.map((t) => [t.rows, t.tornBytes]),
    report.tables.map((t) => [t.rows, t.tornBytes]),
  )

  assert.deepEqual(await snapshot(root), before, 'status changed nothing')
})

test('a locked table whose active.ipc ends inside a message is being written, not torn: no damage, no alert (exit 0)', async (t) => {
  const { root, work } = await copyFixture(t, 'clean')
  const logs = join(root, 'otel_logs')
  // The exporter's half-written stream: a schema and a batch, the next batch cut in the middle.
  const stream = tableToIPC(new Table([exporterBatch('otel_logs', 500, 20), exporterBatch('otel_logs', 520, 20)]), 'stream')
  const scan = await scanStream(bytesSource(stream))
  const last = scan.messages.at(-1)!
  const half = join(work, 'half.ipc')
  await writeFile(half, stream.subarray(0, last.offset + Math.floor((last.end - last.offset) / 2)))
  // A second process takes the lock as the exporter does and appends to active.ipc while holding it.
  const holder = spawn(
    'flock',
    ['--exclusive', '--nonblock', '--no-fork', join(logs, '.lock'), 'sh', '-c', `cat "${half}" >> "${join(logs, 'active.ipc')}"; echo locked; exec sleep 600`],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  t.after(() => holder.kill('SIGTERM'))
  const [chunk] = (await once(holder.stdout, 'data')) as [Buffer]
  assert.match(chunk.toString(), /locked/)

  const result = await runCli(['status', '--path', root, '--json'])
  assert.equal(result.code, 0, result.stderr)
  const status = (JSON.parse(result.stdout) as StatusReport).tables.find((table) => table.table === 'otel_logs')!
  assert.equal(status.inUse, true)
  assert.equal(status.beingWritten, true)
  assert.deepEqual(status.damage, [])
  assert.deepEqual(status.blockingFiles, [])
  assert.equal(status.tornBytes, 0)
  assert.equal(status.activeRows, 20)
  const human = await runCli(['status', '--path', root])
  assert.equal(human.code, 0)
  assert.match(human.stdout, /otel_logs .*being written/)
  assert.match(human.stdout, /active\.ipc is being written by the lock holder/)

  holder.kill('SIGTERM')
  await once(holder, 'exit')
  const orphaned = await runCli(['status', '--path', root, '--json'])
  const after = (JSON.parse(orphaned.stdout) as StatusReport).tables.find((table) => table.table === 'otel_logs')!
  assert.equal(after.beingWritten, false, 'once the writer is gone, the cut stream is torn')
  assert.equal(after.damage[0]!.file, 'active.ipc')
})

/** Parses Prometheus text exposition strictly: every sample has HELP and TYPE before it. */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>()
  const typed = new Set<string>()
  for (const line of text.trimEnd().split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line)
    if (meta) {
      if (meta[1] === 'TYPE') {
        assert.equal(meta[3], 'gauge')
        typed.add(meta[2]!)
      }
      continue
    }
    const run = /^(bufctl_last_[a-z_]+) (\d+)$/.exec(line)
    if (run) {
      assert.ok(typed.has(run[1]!), `sample before its TYPE: ${line}`)
      samples.set(run[1]!, Number(run[2]))
      continue
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{table="((?:[^"\\]|\\.)*)"\} (-?[0-9.]+(?:e[+-]?\d+)?)$/.exec(line)
    assert.ok(sample, `not an exposition line: ${line}`)
    assert.ok(sample[1]!.startsWith('bufctl_buffer_'), line)
    assert.ok(typed.has(sample[1]!), `sample before its TYPE: ${line}`)
    samples.set(`${sample[1]}{table="${sample[2]}"}`, Number(sample[3]))
  }
  return samples
}

test('thresholds: exit 1 naming the tables over; under them exit 0', async (t) => {
  const { root } = await copyFixture(t, 'crashed')
  // Without the files that block the exporter (they alone make status exit 1).
  await rm(join(root, 'otel_metrics_sum', 'pending-000003.ipc'))
  await rm(join(root, 'otel_metrics_histogram', 'pending-000002.ipc'))
  const rows = await runCli(['status', '--path', root, '--max-rows', '200', '--json'])
  assert.equal(rows.code, 1)
  const report = JSON.parse(rows.stdout) as StatusReport
  assert.deepEqual(report.exceeded.map((b) => b.table).sort(), ['otel_logs', 'otel_traces'])
  const human = await runCli(['status', '--path', root, '--max-rows', '200'])
  assert.equal(human.code, 1)
  assert.match(human.stderr, /otel_logs: rows 550 > --max-rows 200/)
  assert.doesNotMatch(human.stderr, /otel_metrics_gauge/)

  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000)
  await utimes(join(root, 'otel_traces', 'pending-000001.ipc'), twoHoursAgo, twoHoursAgo)
  const ageHuman = await runCli(['status', '--path', root, '--max-age', '1h', '--max-pending-bytes', '1KiB'])
  // In the units the flags take: an age, a size, never raw seconds or bytes.
  assert.match(ageHuman.stderr, /otel_traces: oldest pending file 2\.0h > --max-age 60m/)
  assert.match(ageHuman.stderr, /pending bytes \d+\.\d KiB > --max-pending-bytes 1\.0 KiB/)
  const age = await runCli(['status', '--path', root, '--max-age', '1h', '--json'])
  assert.equal(age.code, 1)
  assert.deepEqual(
    (JSON.parse(age.stdout) as StatusReport).exceeded.map((b) => [b.table, b.threshold]),
    [['otel_traces', 'max-age']],
  )

  const bytes = await runCli(['status', '--path', root, '--max-pending-bytes', '40KiB', '--json'])
  assert.equal(bytes.code, 1)
  assert.deepEqual((JSON.parse(bytes.stdout) as StatusReport).exceeded.map((b) => b.table).sort(), ['otel_logs', 'otel_traces'])

  const fine = await runCli(['status', '--path', root, '--max-rows', '1000', '--max-age', '3h', '--max-pending-bytes', '1GiB'])
  assert.equal(fine.code, 0)

  const bad = await runCli(['status', '--path', root, '--max-age', 'soon'])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /--max-age/)
})

test('--output writes the Prometheus file atomically, with nothing else left in its directory', async (t) => {
  const { root, work } = await copyFixture(t, 'clean')
  const target = join(work, 'textfile', 'bufctl.prom')
  const result = await runCli(['status', '--path', root, '--format', 'prometheus', '--output', target])
  assert.equal(result.code, 0, result.stderr)
  assert.equal(result.stdout, '')
  const text = await readFile(target, 'utf8')
  assert.match(text, /^bufctl_buffer_rows\{table="otel_logs"\} 100$/m)
  assert.deepEqual(await readdir(join(work, 'textfile')), ['bufctl.prom'])
})

test('status works while another process holds a table lock, and says which process', async (t) => {
  const { root } = await copyFixture(t, 'clean')
  const holder = await holdLockElsewhere(join(root, 'otel_logs', '.lock'))
  t.after(() => holder.release())
  const result = await runCli(['status', '--path', root, '--json'])
  assert.equal(result.code, 0)
  const logs = (JSON.parse(result.stdout) as StatusReport).tables.find((table) => table.table === 'otel_logs')!
  assert.equal(logs.inUse, true)
  assert.equal(logs.holderPid, holder.pid)
  assert.equal(logs.rows, 100)
  const human = await runCli(['status', '--path', root])
  assert.match(human.stdout, new RegExp(`in use \\(pid ${holder.pid}\\)`))
})

test('status of a missing root exits 2 naming it', async () => {
  const result = await runCli(['status', '--path', '/nonexistent/spill-root'])
  assert.equal(result.code, 2)
  assert.match(result.stderr, /\/nonexistent\/spill-root/)
  const json = await runCli(['status', '--path', '/nonexistent/spill-root', '--json'])
  assert.equal(json.code, 2)
  const error = (JSON.parse(json.stdout) as { error: { code: string; path: string } }).error
  assert.equal(error.code, 'ROOT_NOT_FOUND')
  assert.equal(error.path, '/nonexistent/spill-root')
})
