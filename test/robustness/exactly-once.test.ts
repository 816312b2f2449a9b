import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { Table, tableToIPC } from 'apache-arrow'
import { BIN, runCli } from '../helpers/cli.js'
import { instantWithin, measureRun, runAndSignal } from '../helpers/kill.js'
import { assertExactlyOnce, copyFixture, expandIds, expectedOf, filesUnder, snapshot } from '../helpers/spill.js'
import { rounds, seededRandom } from '../helpers/random.js'
import { EXPORTER_TABLES, exporterBatch } from '../fixtures/exporter-data.js'
import type { ReplayReport } from '../../src/lib/replay/index.js'
import type { JournalRecord } from '../../src/lib/replay/commit-journal.js'

const TABLES = EXPORTER_TABLES

async function crashedExpectation(): Promise<Record<string, number[]>> {
  const expected = await expectedOf('crashed')
  return Object.fromEntries(TABLES.map((table) => [table, expandIds(expected.ids[table]!)]))
}

for (const point of ['files-held', 'journal-written', 'outputs-written', 'journal-durable', 'files-committed']) {
  test(`a recover killed at ${point}, then run again, writes every row exactly once`, async (t) => {
    const { root, out } = await copyFixture(t, 'crashed')
    const killed = await runCli(['recover', '--path', root, '--out', out, '--table', 'otel_logs'], { env: { BUFCTL_CRASH_AT: point } })
    assert.equal(killed.code, -1, 'the process died by SIGKILL')
    const again = await runCli(['recover', '--path', root, '--out', out, '--json'])
    assert.equal(again.code, 0, again.stderr)
    const report = JSON.parse(again.stdout) as ReplayReport
    assert.equal(
      report.tables.find((table) => table.table === 'otel_logs')!.earlierCommits[0]?.resolution,
      point === 'journal-durable' || point === 'files-committed' ? 'rolled-forward' : 'rolled-back',
    )
    await assertExactlyOnce(root, out, await crashedExpectation())
  })
}

test('a bug met at any step of a commit (a throw, also from a callback) is reported as internal (exit 70) and the commit undone in the same run', async (t) => {
  for (const point of ['files-held', 'journal-written', 'outputs-written']) {
    const { root, out } = await copyFixture(t, 'crashed')
    const failed = await runCli(['recover', '--path', root, '--out', out, '--table', 'otel_logs', '--json'], { env: { BUFCTL_FAIL_AT: point, BUFCTL_DEBUG: '1' } })
    assert.equal(failed.code, 70, `${point}: ${failed.stderr}`)
    const table = (JSON.parse(failed.stdout) as ReplayReport).tables[0]!
    assert.equal(table.status, 'failed')
    const error = table.error!
    assert.equal(error.code, 'INTERNAL')
    assert.match(error.message, new RegExp(`a fault injected at ${point}`))
    assert.match(error.hint, /bug in bufctl/)
    assert.match(error.debug ?? '', /TypeError: a fault injected at .*\n\s+at crashPoint/, 'BUFCTL_DEBUG gives the stack')
    // Undone at once: no journal, no held file, no temporary file in the table; nothing under --out.
    const left = Object.keys(await snapshot(join(root, 'otel_logs')))
    assert.deepEqual(
      left.filter((name) => name.startsWith('bufctl-held-') || name === 'bufctl-commit.json' || name.endsWith('.tmp')),
      [],
      point,
    )
    assert.deepEqual(await filesUnder(out, ''), [], `${point}: nothing left under --out`)
    const again = await runCli(['recover', '--path', root, '--out', out])
    assert.equal(again.code, 0, again.stderr)
    await assertExactlyOnce(root, out, await crashedExpectation())
  }
  // A step that never finishes (a promise nothing settles) is caught by the watchdog, not left to Node's exit 13.
  {
    const { root, out } = await copyFixture(t, 'crashed')
    const stalled = await runCli(['recover', '--path', root, '--out', out, '--json'], { env: { BUFCTL_STALL_AT: 'files-held' } })
    assert.equal(stalled.code, 70, stalled.stderr)
    const tables = (JSON.parse(stalled.stdout) as ReplayReport).tables.filter((table) => table.status === 'failed')
    assert.ok(tables.length > 0)
    for (const table of tables) assert.match(table.error!.message, /stopped without finishing/)
    assert.deepEqual(
      (await filesUnder(root)).filter((name) => /bufctl-held-|bufctl-commit\.json|\.tmp$/.test(name)),
      [],
      'undone in the same run: nothing held, no journal',
    )
    assert.equal((await runCli(['recover', '--path', root, '--out', out])).code, 0)
    await assertExactlyOnce(root, out, await crashedExpectation())
  }
  // After the journal says durable, the commit is finished, not undone: by the next run.
  const { root, out } = await copyFixture(t, 'crashed')
  const failed = await runCli(['recover', '--path', root, '--out', out, '--table', 'otel_logs'], { env: { BUFCTL_FAIL_AT: 'journal-durable' } })
  assert.equal(failed.code, 70, failed.stderr)
  const again = await runCli(['recover', '--path', root, '--out', out, '--json'])
  assert.equal(again.code, 0, again.stderr)
  assert.equal((JSON.parse(again.stdout) as ReplayReport).tables.find((table) => table.table === 'otel_logs')!.earlierCommits[0]?.resolution, 'rolled-forward')
  await assertExactlyOnce(root, out, await crashedExpectation())
})

for (const point of ['outputs-written', 'journal-durable']) {
  test(`superset: a flush killed at ${point}, then more data ingested, then flush — exactly once`, async (t) => {
    const { root, out, work } = await copyFixture(t, 'clean')
    const killed = await runCli(['flush', '--path', root, '--out', out], { env: { BUFCTL_CRASH_AT: point } })
    assert.equal(killed.code, -1)
    const more = join(work, 'more.arrows')
    await writeFile(more, tableToIPC(new Table([exporterBatch('otel_logs', 5000, 40)]), 'stream'))
    const ingested = await runCli(['ingest', 'otel_logs', more, '--path', root])
    assert.equal(ingested.code, 0, ingested.stderr)
    const flushed = await runCli(['flush', '--path', root, '--out', out])
    assert.equal(flushed.code, 0, flushed.stderr)
    const clean = await expectedOf('clean')
    const expected = Object.fromEntries(TABLES.map((table) => [table, expandIds(clean.ids[table]!)]))
    expected.otel_logs = [...expected.otel_logs!, ...Array.from({ length: 40 }, (_, i) => 5000 + i)]
    await assertExactlyOnce(root, out, expected)
  })
}

test('kill -9 at random instants during flush and recover; the next run gives every row exactly once', async (t) => {
  const total = rounds('KILL_ROUNDS', 60, 50)
  const random = seededRandom(Number(process.env.KILL_SEED ?? 20261124))
  const expected = await crashedExpectation()
  // One uninterrupted recover of the same root, measured here, places the kill instants.
  const calibration = await copyFixture(t, 'crashed')
  const durationMs = await measureRun(['recover', '--path', calibration.root, '--out', calibration.out])
  let killedMidway = 0
  for (let round = 0; round < total; round++) {
    const { root, out } = await copyFixture(t, 'crashed')
    const delay = instantWithin(durationMs, random)
    const first = random() < 0.5 ? 'recover' : 'flush'
    const run = await runAndSignal([first, '--path', root, '--out', out], delay)
    if (run.code === null) killedMidway++
    if (first === 'flush') {
      const flushAgain = await runCli(['flush', '--path', root, '--out', out])
      assert.ok([0, 1].includes(flushAgain.code), `round ${round}: flush exit ${flushAgain.code}: ${flushAgain.stderr}`)
    }
    const result = await runCli(['recover', '--path', root, '--out', out])
    assert.equal(result.code, 0, `round ${round} (${first}, killed after ${delay} ms): ${result.stderr}`)
    await assertExactlyOnce(root, out, expected)
  }
  t.diagnostic(`${total} rounds, ${killedMidway} killed before finishing; an uninterrupted recover took ${Math.round(durationMs)} ms`)
  assert.ok(killedMidway > 0, 'some runs must have been killed mid-way')
})

test('kill -9 at random instants of recovers that write small outputs while still planning: every Parquet file a killed run left is named in its journal, and the next run gives every row exactly once', async (t) => {
  const total = rounds('PIPELINE_KILL_ROUNDS', 24, 16)
  const random = seededRandom(Number(process.env.KILL_SEED ?? 20261127))
  const expected = await crashedExpectation()
  // 8 KiB outputs: the planner hands the first ones to the encoders long before it is done.
  const args = (root: string, out: string) => ['recover', '--path', root, '--out', out, '--target-file-size', '8KiB', '--jobs', '2']
  const calibration = await copyFixture(t, 'crashed')
  const durationMs = await measureRun(args(calibration.root, calibration.out))
  let journaled = 0
  for (let round = 0; round < total; round++) {
    const { root, out } = await copyFixture(t, 'crashed')
    const delay = instantWithin(durationMs, random)
    await runAndSignal(args(root, out), delay)
    for (const table of TABLES) {
      const journal = await readFile(join(root, table, 'bufctl-commit.json'), 'utf8').catch(() => undefined)
      if (journal === undefined) continue
      journaled++
      const record = JSON.parse(journal) as JournalRecord
      const named = new Set(record.outputs.map((output) => output.path))
      for (const file of await filesUnder(join(out, table), '.parquet')) {
        // Outputs of parts committed before the kill are done (their footers name their own drain); the part in flight must name all of its own.
        if ((await footerDrain(file)) !== record.drain) continue
        assert.ok(named.has(relative(out, file)), `round ${round} (killed after ${delay} ms): ${relative(out, file)} exists but its journal does not name it`)
      }
    }
    const result = await runCli(['recover', '--path', root, '--out', out])
    assert.equal(result.code, 0, `round ${round} (killed after ${delay} ms): ${result.stderr}`)
    await assertExactlyOnce(root, out, expected)
  }
  t.diagnostic(`${total} rounds, ${journaled} journals left by killed runs; an uninterrupted recover took ${Math.round(durationMs)} ms`)
  assert.ok(journaled > 0, 'some runs must have been killed mid-commit')
})

/** The drain an output's footer names. */
async function footerDrain(file: string): Promise<string | undefined> {
  const { asyncBufferFromFile, parquetMetadataAsync } = await import('hyparquet')
  const { DRAIN_KEY } = await import('../../src/lib/replay/drain-identity.js')
  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file))
  return metadata.key_value_metadata?.find((entry) => entry.key === DRAIN_KEY)?.value
}

test('two recover processes started together: each table is worked on once, the result is exactly once', async (t) => {
  for (let attempt = 0; attempt < 3; attempt++) {
    const { root, out } = await copyFixture(t, 'crashed')
    const [a, b] = await Promise.all([runCli(['recover', '--path', root, '--out', out, '--json']), runCli(['recover', '--path', root, '--out', out, '--json'])])
    const reports = [a, b].map((result) => {
      assert.ok([0, 75].includes(result.code), result.stderr)
      return JSON.parse(result.stdout) as ReplayReport
    })
    for (const table of TABLES) {
      const statuses = reports.map((report) => report.tables.find((entry) => entry.table === table)!.status)
      assert.equal(statuses.filter((status) => status === 'done').length, 1, `${table}: ${statuses.join(', ')}`)
      assert.ok(statuses.every((status) => ['done', 'in-use', 'empty'].includes(status)))
    }
    for (const [index, report] of reports.entries()) {
      assert.equal([a, b][index]!.code, report.inUse.length > 0 ? 75 : 0, 'exit 75 exactly when a table was in use')
    }
    await assertExactlyOnce(root, out, await crashedExpectation())
  }
})

test('disk full (file size limit): non-zero exit, spill directory unchanged, no partial Parquet; a re-run completes', async (t) => {
  const { root, out } = await copyFixture(t, 'clean')
  const before = await snapshot(root)
  // SIGXFSZ ignored, so the write fails with EFBIG instead of killing the process.
  const limited = spawn('bash', ['-c', `trap '' XFSZ; ulimit -f 4; exec "${process.execPath}" "${BIN}" flush --path "${root}" --out "${out}" --table otel_logs`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  limited.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const [code] = (await once(limited, 'exit')) as [number]
  assert.equal(code, 1, stderr)
  // The output is named, not the spill directory: the output's device is the one to look at.
  assert.match(stderr, new RegExp(`file too large: ${out}/otel_logs/data/`))
  assert.match(stderr, /Hint: raise the file-size limit \(`ulimit -f`\)/)
  assert.deepEqual(await snapshot(root), before, 'the spill directory is byte for byte unchanged')
  assert.deepEqual(await filesUnder(out, '.parquet'), [], 'no Parquet file at a final name')
  assert.deepEqual(await filesUnder(out, '.tmp'), [], 'no temporary file left')
  const again = await runCli(['flush', '--path', root, '--out', out])
  assert.equal(again.code, 0, again.stderr)
  const clean = await expectedOf('clean')
  await assertExactlyOnce(root, out, Object.fromEntries(TABLES.map((table) => [table, expandIds(clean.ids[table]!)])))
})

test('write ordering seen by strace: no pending file is unlinked before its outputs and their directories are fsynced', async (t) => {
  const { root, out, work } = await copyFixture(t, 'crashed')
  const trace = join(work, 'strace.txt')
  const child = spawn(
    'strace',
    ['-f', '-y', '-qq', '-e', 'trace=fsync,fdatasync,rename,renameat,renameat2,unlink,unlinkat', '-o', trace, process.execPath, BIN, 'recover', '--path', root, '--out', out],
    { stdio: 'ignore' },
  )
  const [code] = (await once(child, 'exit')) as [number]
  assert.equal(code, 0)
  const lines = (await readFile(trace, 'utf8')).split('\n')
  const index = (predicate: (line: string) => boolean) => lines.findIndex(predicate)
  const outputs = await filesUnder(out, '.parquet')
  assert.ok(outputs.length >= 5)
  for (const table of TABLES) {
    const tableOutputs = outputs.filter((file) => file.includes(`/${table}/`))
    // A committed file is unlinked under its held name (the exporter stops seeing it when the commit starts).
    const held = index((line) => /rename/.test(line) && line.includes(`/${table}/bufctl-held-pending-`))
    const firstUnlink = index((line) => /unlink/.test(line) && line.includes(`/${table}/bufctl-held-pending-`) && !line.includes('ENOENT'))
    assert.ok(held > 0 && firstUnlink > held, `${table}: pending files were held, then unlinked`)
    for (const output of tableOutputs) {
      const directory = output.slice(0, output.lastIndexOf('/'))
      const name = output.slice(output.lastIndexOf('/') + 1)
      const temporary = (line: string) => line.includes(`/.${name}.`) && /\.tmp[>"]/.test(line)
      const synced = index((line) => /fsync|fdatasync/.test(line) && temporary(line))
      const renamed = index((line) => /rename/.test(line) && temporary(line) && line.includes(`/${name}"`))
      const directorySynced = lines.findIndex((line, i) => i > renamed && /fsync/.test(line) && line.includes(`<${directory}>`))
      assert.ok(synced >= 0 && synced < renamed, `${name}: fsync before rename`)
      assert.ok(directorySynced > renamed && directorySynced < firstUnlink, `${name}: directory fsynced before ${table}'s pending files are unlinked`)
    }
    const journalDurable = lines.findIndex((line, i) => i < firstUnlink && /rename/.test(line) && line.includes(`${table}/bufctl-commit.json"`))
    assert.ok(journalDurable > 0, `${table}: the journal was renamed into place before the unlinks`)
  }
})
