/**
 * Links planted where bufctl writes or reads are never followed: temporary names are unpredictable
 * and created exclusively, `.lock` and stream files are opened without following links, and a
 * table directory that is a link is no table, for every command.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { victim } from '../helpers/hostile.js'
import { copyFixture, FIXTURES, filesUnder, readParquetRows, snapshot } from '../helpers/spill.js'
import type { ReplayReport } from '../../src/lib/replay/index.js'
import type { StatusReport } from '../../src/lib/inspect/index.js'

test('links planted at the temporary names of the journal, the textfile and every output are never followed', async (t) => {
  const { root, out, work } = await copyFixture(t, 'clean')
  const target = await victim(t)
  // The names earlier versions used, and the outputs' final names (predictable: a dry run lists them).
  await symlink(target.path, join(root, 'otel_logs', '.bufctl-commit.json.tmp'))
  await symlink(target.path, join(root, 'otel_logs', 'bufctl-commit.json.tmp'))
  const textfile = join(work, 'textfile', 'bufctl.prom')
  await mkdir(join(work, 'textfile'))
  await symlink(target.path, join(work, 'textfile', '.bufctl.prom.tmp'))
  const dry = JSON.parse((await runCli(['recover', '--path', root, '--out', out, '--dry-run', '--json'])).stdout) as ReplayReport
  for (const output of dry.tables.flatMap((table) => table.outputs)) {
    await mkdir(join(output.path, '..'), { recursive: true })
    await symlink(target.path, join(output.path, '..', `.${output.path.split('/').pop()!}.tmp`))
  }
  const status = await runCli(['status', '--path', root, '--format', 'prometheus', '--output', textfile])
  assert.equal(status.code, 0, status.stderr)
  assert.match(await readFile(textfile, 'utf8'), /bufctl_buffer_rows/)
  const recovered = await runCli(['recover', '--path', root, '--out', out])
  assert.equal(recovered.code, 0, recovered.stderr)
  await target.unchanged()
  assert.equal((await readParquetRows(join(out, 'otel_logs'))).length, 100)
})

test('a .lock that is a link makes bufctl refuse the table, creating nothing where it points', async (t) => {
  const { root, out } = await copyFixture(t, 'clean')
  const target = await victim(t)
  const elsewhere = join(target.directory, 'created-by-root')
  await (await import('node:fs/promises')).rm(join(root, 'otel_logs', '.lock'))
  await symlink(elsewhere, join(root, 'otel_logs', '.lock'))
  const result = await runCli(['recover', '--path', root, '--out', out, '--json'])
  assert.equal(result.code, 1)
  const report = JSON.parse(result.stdout) as ReplayReport
  const logs = report.tables.find((table) => table.table === 'otel_logs')!
  assert.equal(logs.status, 'failed')
  assert.equal(logs.error?.code, 'LOCK_FAILED')
  assert.deepEqual(await readdir(target.directory), ['shadow'], 'nothing created where the link points')
  assert.equal(report.tables.find((table) => table.table === 'otel_traces')!.status, 'done', 'the other tables drain')
})

test('a pending file that is a link to a root-only file is neither read nor published; the table drains the rest', async (t) => {
  const { root, out } = await copyFixture(t, 'clean')
  const target = await victim(t)
  const pending = join(root, 'otel_logs', 'pending-000009.ipc')
  await writeFile(target.path, await readFile(join(FIXTURES, 'clean', 'otel_traces', 'pending-000001.ipc')))
  const targetBytes = await readFile(target.path)
  await symlink(target.path, pending)
  const status = JSON.parse((await runCli(['status', '--path', root, '--json'])).stdout) as StatusReport
  const logs = status.tables.find((table) => table.table === 'otel_logs')!
  assert.deepEqual(
    logs.oddEntries.map((entry) => entry.name),
    ['pending-000009.ipc'],
  )
  assert.equal(logs.rows, 100, 'the link is not read')
  const recovered = await runCli(['recover', '--path', root, '--out', out])
  assert.equal(recovered.code, 0, recovered.stderr)
  const rows = await readParquetRows(join(out, 'otel_logs'))
  assert.equal(rows.length, 100, 'nothing of the linked file was published')
  assert.deepEqual(await readFile(target.path), targetBytes)
  assert.deepEqual(await filesUnder(join(out, 'otel_traces'), '.parquet').then((files) => files.length > 0), true)
})

test('one rule for a table directory that is a link: status and recover leave it out and say so, ingest refuses it', async (t) => {
  const { root, out } = await copyFixture(t, 'clean')
  const target = await victim(t)
  const outside = join(target.directory, 'otel_elsewhere')
  await mkdir(outside)
  await symlink(outside, join(root, 'otel_linked'))
  const before = await snapshot(target.directory)
  const status = JSON.parse((await runCli(['status', '--path', root, '--json'])).stdout) as StatusReport
  assert.ok(!status.tables.some((table) => table.table === 'otel_linked'))
  assert.deepEqual(
    status.ignored.map((entry) => entry.name),
    ['otel_linked'],
  )
  const recovered = await runCli(['recover', '--path', root, '--out', out, '--json'])
  assert.deepEqual(
    (JSON.parse(recovered.stdout) as ReplayReport).ignored.map((entry) => entry.name),
    ['otel_linked'],
  )
  const ingested = await runCli(['ingest', 'otel_linked', join(FIXTURES, 'inputs', 'app-logs-stream.arrows'), '--path', root, '--schema', 'any'])
  assert.equal(ingested.code, 2)
  assert.match(ingested.stderr, /symbolic link/)
  assert.deepEqual(await snapshot(target.directory), before, 'nothing written through the link')
})
