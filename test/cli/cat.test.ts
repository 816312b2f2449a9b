/**
 * bufctl cat prints exactly the rows an independent reader (nodejs-polars) sees: every fixture
 * file, compared value by value from JSON Lines; a torn file up to its last complete batch; invalid
 * UTF-8 escaped and counted; and a 1 GiB file in memory that does not grow with it.
 */
import { test } from 'node:test'
import { readdirSync, readFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import assert from 'node:assert/strict'
import { open, readFile, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { BIN, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'
import { measureRun } from '../helpers/kill.js'
import { runMeasured } from '../helpers/measure.js'
import { loadPolars, type PolarsFrame } from '../helpers/polars.js'
import { writeBigLogs } from '../helpers/s3-data.js'
import { FIXTURES, filesUnder } from '../helpers/spill.js'
import { END_OF_STREAM } from '../../src/lib/format/index.js'

const pl = loadPolars()

/** Rows of JSON Lines, 64-bit integers kept exact. */
function parseLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map(
      (line) =>
        JSON.parse(line, (_key, value: unknown, context?: { source: string }) =>
          typeof value === 'number' && context && !Number.isSafeInteger(value) && /^-?\d+$/.test(context.source) ? BigInt(context.source) : value,
        ) as Record<string, unknown>,
    )
}

/** Units per second of a polars Datetime dtype. */
function perSecond(dtype: string): bigint {
  if (dtype.includes('(ns')) return 1_000_000_000n
  if (dtype.includes('(us')) return 1_000_000n
  return 1_000n
}

/** An RFC 3339 UTC timestamp as an integer count of units since the epoch. */
function epochUnits(text: string, units: bigint): bigint {
  const match = /^(.{19})(?:\.(\d+))?Z$/.exec(text)
  assert.ok(match, `an RFC 3339 timestamp: ${text}`)
  const seconds = BigInt(Date.parse(`${match[1]}Z`) / 1000)
  const digits = units.toString().length - 1
  const fraction = BigInt((match[2] ?? '').padEnd(digits, '0').slice(0, digits) || '0')
  return seconds * units + fraction
}

function assertSameRows(frame: PolarsFrame, rows: Record<string, unknown>[], label: string): void {
  assert.equal(rows.length, frame.height, `${label}: rows`)
  for (const column of frame.getColumns()) {
    const dtype = String(column.dtype)
    const values = dtype.includes('Datetime') ? column.cast(pl.Int64).toArray() : column.toArray()
    values.forEach((expected, index) => {
      const actual = rows[index]![column.name]
      const where = `${label} row ${index} ${column.name}`
      if (expected === null || expected === undefined) {
        assert.equal(actual, null, where)
        return
      }
      // Polars hands 64-bit integers over as doubles: compare as doubles.
      if (dtype.includes('Datetime')) {
        assert.equal(Number(epochUnits(actual as string, perSecond(dtype))), Number(expected), where)
        return
      }
      if (typeof expected === 'bigint') {
        assert.equal(BigInt(actual as number), expected, where)
        return
      }
      if (expected instanceof Date) {
        assert.equal(actual, expected.toISOString().slice(0, 10), where)
        return
      }
      assert.deepEqual(actual, expected, where)
    })
  }
}

test('cat of every fixture file prints the rows nodejs-polars reads, value by value', async () => {
  const files = (await filesUnder(FIXTURES, '.ipc')).filter((file) => !file.includes('/quarantine/'))
  let compared = 0
  for (const file of files) {
    const run = await runCli(['cat', file, '--format', 'jsonl'])
    const rows = parseLines(run.stdout)
    const label = relative(FIXTURES, file)
    // Polars refuses invalid UTF-8 outright; such files are checked byte by byte below.
    if (/invalid UTF-8/.test(run.stderr)) continue
    const stopped = /at byte (\d+)/.exec(run.stderr)
    // A file that is not Arrow from its first byte (an empty one) is refused as input (exit 2), with no row.
    const notArrow = /is not an Arrow IPC stream or file/.test(run.stderr)
    assert.equal(run.code, notArrow ? 2 : stopped ? 1 : 0, `${label}: ${run.stderr}`)
    // The independent reader reads what cat says is whole: the bytes before the damage, closed.
    const bytes = await readFile(file)
    const whole = stopped ? Buffer.concat([bytes.subarray(0, Number(stopped[1])), END_OF_STREAM]) : bytes
    let frame: PolarsFrame
    try {
      frame = pl.readIPCStream(whole)
    } catch (error) {
      // Polars refuses a stream it cannot open at all (no schema, no batch): cat printed no row.
      assert.equal(rows.length, 0, `${label}: polars refused it (${(error as Error).message.split('\n')[0]}), cat printed rows`)
      continue
    }
    assertSameRows(frame, rows, label)
    compared++
  }
  assert.ok(compared >= 15, `${compared} files compared`)
})

test('cat of a table backlog, --columns, --limit, --tail and csv', async () => {
  const root = join(FIXTURES, 'clean')
  const all = parseLines((await runCli(['cat', root, 'otel_logs', '--format', 'jsonl'])).stdout)
  assert.ok(all.length > 10)
  const limited = await runCli(['cat', 'otel_logs', '--path', root, '--limit', '3', '--columns', 'body,time_unix_nano', '--format', 'jsonl'])
  assert.equal(limited.code, 0, limited.stderr)
  assert.deepEqual(
    parseLines(limited.stdout),
    all.slice(0, 3).map((row) => ({ body: row.body, time_unix_nano: row.time_unix_nano })),
  )
  const tail = parseLines((await runCli(['cat', root, 'otel_logs', '--tail', '2', '--format', 'jsonl'])).stdout)
  assert.deepEqual(tail, all.slice(-2))
  const csv = await runCli(['cat', root, 'otel_logs', '--limit', '2', '--columns', 'severity_text,body', '--format', 'csv'])
  assert.equal(
    csv.stdout,
    `severity_text,body\n${all
      .slice(0, 2)
      .map((row) => `${row.severity_text as string},${row.body as string}\n`)
      .join('')}`,
  )
  const table = await runCli(['cat', root, 'otel_logs', '--limit', '2', '--format', 'table', '--columns', 'time_unix_nano,body'])
  assert.match(table.stdout, /^time_unix_nano\s+body\n─+\s+─+\n2026-11-24T05:00:00\.000000Z\s+log 0/)
  const missing = await runCli(['cat', root, 'otel_logs', '--columns', 'nope'])
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /has no column nope/)
  const noTable = await runCli(['cat', root, 'otel_lgos'])
  assert.equal(noTable.code, 2)
  assert.match(noTable.stderr, /otel_logs/, 'suggests the table')
})

test('cat shows invalid UTF-8 as \\xNN escapes and counts it; a torn file stops with where and why', async (t) => {
  const { exporterBatch, invalidBody } = await import('../fixtures/exporter-data.js')
  const { encodeBatch } = await import('../../src/lib/format/index.js')
  const dir = await tempDir(t)
  const { schemaMessage, dataMessages } = await encodeBatch(exporterBatch('otel_logs', 0, 10, { invalidUtf8: new Set([3, 7]) }))
  const file = join(dir, 'pending-000001.ipc')
  // Two batches, then half of a third: torn.
  await writeFile(file, Buffer.concat([schemaMessage, dataMessages, dataMessages, dataMessages.subarray(0, dataMessages.byteLength >> 1)]))
  const run = await runCli(['cat', file, '--format', 'jsonl', '--columns', 'body'])
  assert.equal(run.code, 1)
  const rows = parseLines(run.stdout)
  assert.equal(rows.length, 20, 'the two complete batches')
  const { bytes } = invalidBody(3)
  const escaped = [...bytes].map((byte) => (byte < 0x80 ? String.fromCharCode(byte) : `\\x${byte.toString(16)}`)).join('')
  assert.equal(rows[3]!.body, escaped, 'the invalid bytes, escaped')
  assert.equal(escaped, 'log 3: caf\\xc3( \\xff\\xfe \\xe2\\x82')
  assert.match(run.stderr, new RegExp(`stopped reading ${file.replaceAll('/', '\\/')} at byte ${schemaMessage.byteLength + 2 * dataMessages.byteLength}`))
  assert.match(run.stderr, /invalid UTF-8 \(shown as \\xNN\): 4 in body/)
})

test('cat | head stops quietly; junk input says what it is', async (t) => {
  const dir = await tempDir(t)
  const junk = join(dir, 'junk.arrows')
  await writeFile(junk, 'hello, this is not arrow\n')
  // A file named on the command line that is not Arrow at all is bad input (exit 2), as for ingest.
  const run = await runCli(['cat', junk])
  assert.equal(run.code, 2)
  assert.match(run.stderr, /not an Arrow IPC stream or file/)
  // bufctl's own output, held by mistake, is called what it is.
  const parquet = join(dir, 'out.parquet')
  await writeFile(parquet, Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(32), Buffer.from('PAR1')]))
  const parquetRun = await runCli(['cat', parquet])
  assert.equal(parquetRun.code, 2)
  assert.match(parquetRun.stderr, /is a Parquet file .*Parquet reader/)
  const missing = await runCli(['cat', join(dir, 'nope.arrows')])
  assert.equal(missing.code, 2)
  // A reader that goes away early: bufctl stops without an error.
  await writeBigLogs(dir, 8 * 1024 * 1024)
  const { spawnSync } = await import('node:child_process')
  const { BIN } = await import('../helpers/cli.js')
  const piped = spawnSync(
    'bash',
    ['-o', 'pipefail', '-c', `"${process.execPath}" "${BIN}" cat "${join(dir, 'otel_logs', 'pending-000001.ipc')}" --format jsonl | head -1 > /dev/null`],
    {
      encoding: 'utf8',
    },
  )
  assert.equal(piped.status, 0, piped.stderr)
  assert.doesNotMatch(piped.stderr, /Error|EPIPE/)
})

test('cat refuses what it cannot print, by name: a FIFO, a schema wider than --max-columns (at once); --json rows and errors', async (t) => {
  const dir = await tempDir(t)
  const { execFileSync } = await import('node:child_process')
  const fifo = join(dir, 'pipe.arrows')
  execFileSync('mkfifo', [fifo])
  const piped = await runCli(['cat', fifo], { timeoutMs: 30_000 })
  assert.equal(piped.code, 2)
  assert.match(piped.stderr, /a FIFO, not a regular file/)
  assert.match(piped.stderr, /save the stream to a file first/)

  const { Field, Int32, RecordBatchStreamWriter, Schema } = await import('apache-arrow')
  const writer = new RecordBatchStreamWriter()
  writer.reset(undefined, new Schema(Array.from({ length: 100_000 }, (_, index) => new Field(`c${index}`, new Int32(), false))))
  writer.finish()
  const wide = join(dir, 'wide.arrows')
  await writeFile(wide, writer.toUint8Array(true))
  const refused = await runCli(['cat', wide, '--json'], { timeoutMs: 60_000 })
  assert.equal(refused.code, 2, refused.stderr)
  const document = JSON.parse(refused.stdout) as { error: { code: string; message: string } }
  assert.equal(document.error.code, 'UNSUPPORTED_TYPE')
  assert.match(document.error.message, /more than 10000 columns \(raise the cap with --max-columns\)/)

  const rows = await runCli(['cat', join(FIXTURES, 'clean', 'otel_logs', 'pending-000001.ipc'), '--json', '--limit', '2', '-c', 'time_unix_nano', '-c', 'severity_text,body'])
  assert.equal(rows.code, 0, rows.stderr)
  const parsed = parseLines(rows.stdout)
  assert.equal(parsed.length, 2)
  assert.deepEqual(Object.keys(parsed[0]!), ['time_unix_nano', 'severity_text', 'body'])
  // A repeatable flag takes one value each time: the arguments after it stay positional.
  const before = await runCli(['cat', '-c', 'body', join(FIXTURES, 'clean'), 'otel_logs', '--limit', '1', '--format', 'jsonl'])
  assert.equal(before.code, 0, before.stderr)
  assert.deepEqual(Object.keys(parseLines(before.stdout)[0]!), ['body'])
})

test('cat writes no terminal control from values or names: CSV and table escape ESC, BEL, CR and bidirectional overrides', async (t) => {
  const dir = await tempDir(t)
  const { Table, tableToIPC, vectorFromArray, Utf8 } = await import('apache-arrow')
  const hostile = ['\u001b]0;owned\u0007', 'carriage\rreturn', 'abc\u202edcba', 'two\nlines']
  const table = new Table({ ['name\u001b[2J']: vectorFromArray(hostile, new Utf8()) })
  const file = join(dir, 'hostile.arrows')
  await writeFile(file, tableToIPC(table, 'stream'))
  for (const format of ['csv', 'table']) {
    const run = await runCli(['cat', file, '--format', format])
    assert.equal(run.code, 0, run.stderr)
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(run.stdout, /[\u0000-\u0009\u000b-\u001f\u007f\u202a-\u202e]/, `${format}: no raw control or override`)
    assert.match(run.stdout, /\\x1b\]0;owned\\x07/)
    assert.match(run.stdout, /carriage\\x0dreturn/)
    assert.match(run.stdout, /abc\\u202edcba/)
    assert.match(run.stdout, /name\\x1b\[2J/)
  }
  // CSV keeps a newline inside a value, quoted (RFC 4180); JSON Lines escapes as JSON does.
  assert.match((await runCli(['cat', file, '--format', 'csv'])).stdout, /"two\nlines"/)
  const lines = parseLines((await runCli(['cat', file, '--format', 'jsonl'])).stdout)
  assert.deepEqual(
    lines.map((row) => Object.values(row)[0]),
    hostile,
  )
})

test('cat of a 1 GiB file streams: under 100 MB peak RSS, about what cat of a small file takes', { timeout: 10 * 60_000 }, async (t) => {
  const dir = await tempDir(t)
  await writeBigLogs(dir, 1024 ** 3, 1024 ** 3 + 1, true)
  const file = join(dir, 'otel_logs', 'pending-000001.ipc')
  const handle = await open(file)
  const size = (await handle.stat()).size
  await handle.close()
  assert.ok(size > 1000 ** 3)
  const small = await runMeasured(['cat', join(FIXTURES, 'clean', 'otel_logs', 'pending-000001.ipc'), '--format', 'jsonl'], { discardStdout: true })
  const run = await runMeasured(['cat', file, '--format', 'jsonl'], { discardStdout: true })
  assert.equal(run.code, 0, run.stderr)
  assert.match(run.stderr, /[\d,]+ rows from 1 file/)
  t.diagnostic(`peak RSS ${run.peakRssMiB.toFixed(0)} MiB for ${(size / 1024 ** 2).toFixed(0)} MiB; ${small.peakRssMiB.toFixed(0)} MiB for a small file`)
  assert.ok(run.peakRssMiB * 1024 * 1024 < 100_000_000, `peak RSS ${run.peakRssMiB.toFixed(0)} MiB`)
  // Flat: the gigabyte costs little more than the 40 rows of a fixture.
  assert.ok(run.peakRssMiB - small.peakRssMiB < 30, `peak RSS ${run.peakRssMiB.toFixed(0)} MiB, ${small.peakRssMiB.toFixed(0)} MiB for a small file`)
})

test('cat stopped by SIGTERM or SIGINT sent to bufctl: exit 143 or 130, and no process is left reading', { timeout: 5 * 60_000 }, async (t) => {
  const dir = await tempDir(t)
  await writeBigLogs(dir, 48 * 1024 ** 2, 48 * 1024 ** 2 + 1, true)
  const file = join(dir, 'otel_logs', 'pending-000001.ipc')
  // The signal comes half-way through a run timed here (cat runs in a child process of bufctl's).
  const duration = await measureRun(['cat', file, '--quiet'])
  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    // No pipes: a process left behind would hold them open; the check comes the moment bufctl exits.
    const child = spawn(process.execPath, [BIN, 'cat', file, '--quiet'], { stdio: 'ignore' })
    const timer = setTimeout(() => child.kill(signal), Math.floor(duration / 2))
    const [exitCode] = (await once(child, 'exit')) as [number | null]
    clearTimeout(timer)
    assert.equal(exitCode, code, signal)
    assert.deepEqual(processesNaming(file), [], `${signal}: a process still reads ${file}`)
  }
})

/** Processes whose command line names `path`. */
function processesNaming(path: string): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path)
      } catch {
        return false
      }
    })
}
