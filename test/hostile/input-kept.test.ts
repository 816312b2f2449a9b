/**
 * Input is never deleted without being written: whatever path salvages keeps the original in
 * quarantine/; two table directories never share an output name; an ingest that fails part-way
 * says what it appended, and a retry does not append it twice.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Table, tableToIPC } from 'apache-arrow'
import { BIN, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'
import { copyFixture, FIXTURES, outputIds, readParquetRows } from '../helpers/spill.js'
import { bytesSource, scanStream } from '../../src/lib/format/index.js'
import { exporterBatch } from '../fixtures/exporter-data.js'
import type { IngestReport } from '../../src/lib/ingest/index.js'

async function tornStream(first: number): Promise<{ bytes: Uint8Array; rows: number }> {
  const whole = tableToIPC(new Table([exporterBatch('otel_logs', first, 30), exporterBatch('otel_logs', first + 30, 30)]), 'stream')
  const last = (await scanStream(bytesSource(whole))).messages.at(-1)!
  return { bytes: whole.subarray(0, last.offset + 10), rows: 30 }
}

test('ingest beside an orphaned active.ipc damaged before its first batch moves it to quarantine/, byte for byte', async (t) => {
  const { root } = await copyFixture(t, 'clean')
  const whole = await readFile(join(root, 'otel_logs', 'pending-000001.ipc'))
  const schemaEnd = (await scanStream(bytesSource(whole))).messages[0]!.end
  const damaged = whole.subarray(0, schemaEnd + 12)
  await writeFile(join(root, 'otel_logs', 'active.ipc'), damaged)
  const result = await runCli(['ingest', 'otel_logs', join(FIXTURES, 'inputs', 'logs-stream.arrows'), '--path', root])
  assert.equal(result.code, 0, result.stderr)
  assert.deepEqual(new Uint8Array(await readFile(join(root, 'otel_logs', 'quarantine', 'active.ipc'))), new Uint8Array(damaged))
  const why = JSON.parse(await readFile(join(root, 'otel_logs', 'quarantine', 'active.ipc.reason.json'), 'utf8')) as { reason: string }
  assert.match(why.reason, /orphaned active\.ipc/)
})

test('ingest --out --flush over a torn pending file writes its complete batches, keeps the original in quarantine/, and says so', async (t) => {
  const work = await tempDir(t)
  const root = join(work, 'spill')
  await mkdir(join(root, 'otel_logs'), { recursive: true })
  const torn = await tornStream(900)
  await writeFile(join(root, 'otel_logs', 'pending-000001.ipc'), torn.bytes)
  const result = await runCli(['ingest', 'otel_logs', join(FIXTURES, 'inputs', 'logs-stream.arrows'), '--path', root, '--out', join(work, 'out'), '--flush', '--json'])
  assert.equal(result.code, 0, result.stderr)
  const report = JSON.parse(result.stdout) as IngestReport
  assert.equal(report.salvaged.length, 1)
  assert.equal(report.salvaged[0]!.rows, torn.rows)
  assert.ok(report.salvaged[0]!.droppedBytes > 0)
  assert.deepEqual(new Uint8Array(await readFile(join(root, 'otel_logs', 'quarantine', 'pending-000001.ipc'))), new Uint8Array(torn.bytes))
  assert.equal((await readParquetRows(join(work, 'out', 'otel_logs'))).length, torn.rows + 50)
})

test('two table directories whose names sanitise alike (otel_a b, otel_a_b) never share an output: every row is written', async (t) => {
  const work = await tempDir(t)
  const root = join(work, 'spill')
  for (const [table, first] of [
    ['otel_a b', 0],
    ['otel_a_b', 1000],
  ] as const) {
    await mkdir(join(root, table), { recursive: true })
    await writeFile(join(root, table, 'pending-000001.ipc'), tableToIPC(new Table([exporterBatch('otel_logs', first, 50)]), 'stream'))
  }
  const result = await runCli(['recover', '--path', root, '--out', join(work, 'out')])
  assert.equal(result.code, 0, result.stderr)
  const rows = await readParquetRows(join(work, 'out', 'otel_a_b'))
  assert.equal(rows.length, 100, 'both directories, every row')
  assert.deepEqual(await readdir(join(root, 'otel_a b')), ['.lock'])
  assert.deepEqual(await readdir(join(root, 'otel_a_b')), ['.lock'])
})

test('ingest a b c failing on c (disk full) says a and b were appended; the retry appends c only', async (t) => {
  const work = await tempDir(t)
  const root = join(work, 'spill')
  const inputs = await Promise.all(
    [0, 1, 2].map(async (index) => {
      const path = join(work, `input-${index}.arrows`)
      // The third is large enough to hit the file-size limit below.
      await writeFile(path, tableToIPC(new Table([exporterBatch('otel_logs', index * 10_000, index === 2 ? 4000 : 100)]), 'stream'))
      return path
    }),
  )
  // SIGXFSZ ignored, so writing past 1 MiB fails with EFBIG, as a full disk fails with ENOSPC.
  const limited = spawn(
    'bash',
    ['-c', `trap '' XFSZ; ulimit -f 1024; exec "${process.execPath}" "${BIN}" ingest otel_logs ${inputs.map((p) => `"${p}"`).join(' ')} --path "${root}" --json`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  limited.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  const [code] = (await once(limited, 'exit')) as [number]
  assert.equal(code, 1, stdout)
  const report = JSON.parse(stdout) as IngestReport
  assert.deepEqual(
    report.inputs.map((input) => input.status),
    ['appended', 'appended', 'not-appended'],
  )
  assert.match(report.error?.message ?? '', /EFBIG|too large/i)
  const retry = await runCli(['ingest', 'otel_logs', ...inputs, '--path', root, '--json'])
  assert.equal(retry.code, 0, retry.stderr)
  assert.deepEqual(
    (JSON.parse(retry.stdout) as IngestReport).inputs.map((input) => input.status),
    ['skipped', 'skipped', 'appended'],
  )
  const out = join(work, 'out')
  assert.equal((await runCli(['recover', '--path', root, '--out', out])).code, 0)
  const ids = (await outputIds(out, ['otel_logs'])).otel_logs!
  assert.equal(ids.length, 100 + 100 + 4000, 'every row once')
  assert.equal(new Set(ids).size, ids.length)
})
