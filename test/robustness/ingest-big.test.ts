/**
 * ingest in bounded memory whatever the input's size: a multi-GiB stream file (3 GiB; 1 GiB under
 * CI=true) and a stream on standard input are checked and appended with peak RSS under 300 MB;
 * hundreds of MB of random bytes are refused after their first bytes, with under 200 MB.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { open, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { tempDir } from '../helpers/fs.js'
import { runMeasured } from '../helpers/measure.js'
import { runCli } from '../helpers/cli.js'
import { encodeBatch, END_OF_STREAM } from '../../src/lib/format/index.js'
import { exporterBatch } from '../fixtures/exporter-data.js'
import type { StatusReport } from '../../src/lib/inspect/index.js'

const GIB = 1024 ** 3

/** A stream file of about `bytes` bytes: one batch's messages repeated. Returns its rows. */
async function writeBigStream(path: string, bytes: number): Promise<number> {
  const rows = 20_000
  const { schemaMessage, dataMessages } = await encodeBatch(exporterBatch('otel_logs', 0, rows))
  const handle = await open(path, 'w')
  try {
    let at = 0
    const write = async (chunk: Uint8Array) => {
      await handle.write(chunk, 0, chunk.byteLength, at)
      at += chunk.byteLength
    }
    await write(schemaMessage)
    let batches = 0
    while (at < bytes) {
      await write(dataMessages)
      batches++
    }
    await write(END_OF_STREAM)
    return batches * rows
  } finally {
    await handle.close()
  }
}

test('a multi-GiB input is ingested with peak RSS under 300 MB, a piped one too', async (t) => {
  const work = await tempDir(t)
  const gib = Number(process.env.BIG_INPUT_GIB ?? (process.env.CI ? 1 : 3))
  const input = join(work, 'big.arrows')
  const rows = await writeBigStream(input, gib * GIB)
  const root = join(work, 'spill')
  const run = await runMeasured(['ingest', 'otel_logs', input, '--path', root, '--json'])
  assert.equal(run.code, 0, run.stderr)
  t.diagnostic(`${gib} GiB ingested with peak RSS ${run.peakRssMiB.toFixed(0)} MiB in ${run.seconds} s`)
  assert.ok(run.peakRssMiB < 300, `peak RSS ${run.peakRssMiB.toFixed(0)} MiB`)
  const status = JSON.parse((await runCli(['status', '--path', root, '--json'])).stdout) as StatusReport
  assert.equal(status.totals.rows, rows)

  // Standard input is read once, into a spool, and checked there: memory stays bounded too.
  const piped = await runMeasured(['ingest', 'otel_logs', '-', '--path', join(work, 'piped'), '--json'], { input })
  assert.equal(piped.code, 0, piped.stderr)
  t.diagnostic(`the same from standard input: peak RSS ${piped.peakRssMiB.toFixed(0)} MiB`)
  assert.ok(piped.peakRssMiB < 300, `peak RSS ${piped.peakRssMiB.toFixed(0)} MiB`)
})

test('300 MB of random bytes are refused after their first bytes: exit 2, under 200 MB, about as fast as starting up', async (t) => {
  const work = await tempDir(t)
  const junk = join(work, 'junk.arrows')
  const handle = await open(junk, 'w')
  for (let i = 0; i < 300; i++) await handle.write(randomBytes(1024 * 1024))
  await handle.close()
  // The start-up of this machine, measured here on the same command refusing 1 KiB of junk: the
  // refusal of 300 MB must not read the file through.
  const small = join(work, 'small.arrows')
  await writeFile(small, randomBytes(1024))
  const startup = await runMeasured(['ingest', 'otel_logs', small, '--path', join(work, 'spill')])
  assert.equal(startup.code, 2, startup.stderr)
  for (const [label, args, input] of [
    ['a file', ['ingest', 'otel_logs', junk, '--path', join(work, 'spill')], undefined],
    ['standard input', ['ingest', 'otel_logs', '-', '--path', join(work, 'spill')], junk],
  ] as const) {
    const run = await runMeasured(args, { input })
    assert.equal(run.code, 2, `${label}: ${run.stderr}`)
    assert.match(run.stderr, /is not an Arrow IPC stream or file/)
    t.diagnostic(`${label}: refused in ${run.seconds} s (start-up ${startup.seconds} s), peak RSS ${run.peakRssMiB.toFixed(0)} MiB`)
    assert.ok(run.peakRssMiB < 200, `${label}: peak RSS ${run.peakRssMiB.toFixed(0)} MiB`)
    assert.ok(run.seconds <= startup.seconds * 3 + 0.5, `${label}: ${run.seconds} s against a start-up of ${startup.seconds} s — read through?`)
  }
  await writeFile(join(work, 'done'), '')
})
