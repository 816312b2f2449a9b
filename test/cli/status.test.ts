import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { readFile, readdir, utimes } from 'node:fs/promises'
import { runCli } from '../helpers/cli.js'
import { copyFixture, expectedOf, snapshot } from '../helpers/spill.js'
import { holdLockElsewhere } from '../helpers/fs.js'
import type { StatusReport } from '../../src/lib/inspect/status.js'

test('status reports the exact complete rows of the crashed fixture in table, json and prometheus, changing no byte', async (t) => {
  const { root } = await copyFixture(t, 'crashed')
  const expected = await expectedOf('crashed')
  const before = await snapshot(root)

  const json = await runCli(['status', '--path', root, '--json'])
  assert.equal(json.code, 0, json.stderr)
  const report = JSON.parse(json.stdout) as StatusReport
  assert.deepEqual(Object.fromEntries(report.tables.map((table) => [table.table, table.rows])), expected.rows)
  const logs = report.tables.find((table) => table.table === 'otel_logs')!
  assert.equal(logs.pendingFiles, 3)
  assert.equal(logs.activeRows, 100)
  assert.equal(logs.tornBytes, expected.tornBytes.otel_logs)
  assert.equal(logs.inUse, false)
  assert.match(logs.schema!, /^\[time_unix_nano:Timestamp<NANOSECOND, UTC> not null, /)
  assert.equal(logs.damage[0]!.file, 'active.ipc')
  assert.equal(logs.estimatedSizeBytes, 550 * 256)
  assert.equal(report.totals.rows, 550 + 450 + 135)

  const formatJson = await runCli(['status', '--path', root, '--format', 'json'])
  assert.deepEqual(
    (JSON.parse(formatJson.stdout) as StatusReport).tables.map((table) => table.rows),
    report.tables.map((table) => table.rows),
  )

  const table = await runCli(['status', '--path', root])
  assert.equal(table.code, 0)
  assert.match(table.stdout, /otel_logs\s+550\s+100\s+3\s/)
  assert.match(table.stdout, /otel_traces\s+450\s+100\s+2\s/)
  assert.match(table.stdout, /otel_metrics_gauge\s+135\s+45\s+1\s/)

  const prometheus = await runCli(['status', '--path', root, '--format', 'prometheus'])
  assert.equal(prometheus.code, 0)
  const samples = parseExposition(prometheus.stdout)
  assert.equal(samples.get('bufctl_buffer_rows{table="otel_logs"}'), 550)
  assert.equal(samples.get('bufctl_buffer_rows{table="otel_metrics_gauge"}'), 135)
  assert.equal(samples.get('bufctl_buffer_pending_files{table="otel_traces"}'), 2)
  assert.equal(samples.get('bufctl_buffer_in_use{table="otel_logs"}'), 0)
  assert.equal(samples.get('bufctl_buffer_torn_bytes{table="otel_logs"}'), expected.tornBytes.otel_logs)

  const deep = await runCli(['status', '--path', root, '--deep', '--json'])
  assert.deepEqual(
    (JSON.parse(deep.stdout) as StatusReport).tables.map((t) => [t.rows, t.tornBytes]),
    report.tables.map((t) => [t.rows, t.tornBytes]),
  )

  assert.deepEqual(await snapshot(root), before, 'status changed nothing')
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
  const rows = await runCli(['status', '--path', root, '--max-rows', '200', '--json'])
  assert.equal(rows.code, 1)
  const report = JSON.parse(rows.stdout) as StatusReport
  assert.deepEqual(report.exceeded.map((b) => b.table).sort(), ['otel_logs', 'otel_traces'])
  const human = await runCli(['status', '--path', root, '--max-rows', '200'])
  assert.equal(human.code, 1)
  assert.match(human.stderr, /otel_logs: max-rows 550 > 200/)
  assert.doesNotMatch(human.stderr, /otel_metrics_gauge/)

  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000)
  await utimes(join(root, 'otel_traces', 'pending-000001.ipc'), twoHoursAgo, twoHoursAgo)
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
  assert.equal(error.code, 'INPUT_NOT_FOUND')
  assert.equal(error.path, '/nonexistent/spill-root')
})
