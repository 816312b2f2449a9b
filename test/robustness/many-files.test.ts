/**
 * A backlog of many small pending files (the exporter appends one batch per export call): every row
 * written once, in order, whatever the descriptor limit, and batches of several files sharing one
 * way into the Parquet writer only when their streams are the same; an output written while its
 * pieces are still being planned, killed there, is undone and written again exactly once.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RecordBatch, Schema } from 'apache-arrow'
import { idBatch, writeStream } from '../helpers/arrow.js'
import { BIN, runCli } from '../helpers/cli.js'
import { instantWithin, measureRun, runAndSignal } from '../helpers/kill.js'
import { rounds, seededRandom } from '../helpers/random.js'
import { tempDir } from '../helpers/fs.js'
import { filesUnder, readParquetRows } from '../helpers/spill.js'
import type { JournalRecord } from '../../src/lib/replay/commit-journal.js'
import type { ReplayReport } from '../../src/lib/replay/index.js'
import { pendingFileName } from '../../src/lib/format/table-directory.js'

const ROWS_PER_FILE = 20

/** `files` pending files of one batch each, ids in file order; every `marked`-th file's schema carries metadata. */
async function smallFiles(directory: string, files: number, marked = 0, rows = ROWS_PER_FILE): Promise<void> {
  await mkdir(directory, { recursive: true })
  for (let index = 0; index < files; index++) {
    let batch = idBatch(index * rows, rows)
    if (marked > 0 && index % marked === 0) batch = new RecordBatch(new Schema(batch.schema.fields, new Map([['origin', `file ${index}`]])), batch.data)
    await writeStream(join(directory, pendingFileName(index + 1)), [batch])
  }
}

/**
 * bufctl under `ulimit -n limit`, as a cron job on a host with a low descriptor limit would run it;
 * killed after `timeoutMs`, so that a run that never ends fails the test instead of stalling it.
 */
function runLimited(limit: number, args: readonly string[], timeoutMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const quoted = [process.execPath, BIN, ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ')
    const child = spawn('sh', ['-c', `ulimit -n ${limit} && exec ${quoted}`], { env: { ...process.env, NO_COLOR: '1', BUFCTL_PATH: '' }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr })
    })
  })
}

test('600 small pending files drain under a limit of 128 open files: every row once, in order, nothing set aside', async (t) => {
  const root = await tempDir(t)
  const out = await tempDir(t)
  const files = 600
  await smallFiles(join(root, 'events'), files)

  // Node itself and two encoder threads use about 70 descriptors; the files must not add one each.
  const run = await runLimited(128, ['recover', '--path', root, '--out', out, '--granularity', 'none', '--jobs', '2'], 120_000)
  assert.equal(run.code, 0, run.stderr)
  const rows = await readParquetRows(join(out, 'events'))
  assert.deepEqual(
    rows.map((row) => row.id),
    Array.from({ length: files * ROWS_PER_FILE }, (_, id) => id),
  )
  assert.deepEqual(await readdir(join(root, 'events')).then((names) => names.filter((name) => name !== '.lock')), [])
})

test('files whose schemas differ only in metadata share an output but not a stream: every row and value exact (hyparquet)', async (t) => {
  const root = await tempDir(t)
  const out = await tempDir(t)
  const files = 120
  await smallFiles(join(root, 'events'), files, 7)

  const run = await runCli(['recover', '--path', root, '--out', out, '--granularity', 'none', '--jobs', '1', '--json'])
  assert.equal(run.code, 0, run.stderr)
  const rows = await readParquetRows(join(out, 'events'))
  assert.deepEqual(
    rows.map((row) => [row.id, row.message]),
    Array.from({ length: files * ROWS_PER_FILE }, (_, id) => [id, `message ${id}`]),
  )
})

/**
 * A backlog big enough that its outputs are written while they grow (16 MiB and more), of files
 * small and many enough that planning goes on long after the first output opened and its encoder
 * started (planning 8,000 files takes seconds, starting a thread a fraction of one, on a fast
 * machine or a slow one alike): generated once, copied for each test and round.
 */
const GROWING = { files: 8000, rowsPerFile: 100 }
let growingBacklog: Promise<string> | undefined
async function growingSpill(t: Parameters<typeof tempDir>[0]): Promise<string> {
  growingBacklog ??= (async () => {
    const template = await mkdtemp(join(tmpdir(), 'bufctl-growing-'))
    await smallFiles(join(template, 'events'), GROWING.files, 0, GROWING.rowsPerFile)
    process.once('exit', () => rmSync(template, { recursive: true, force: true }))
    return template
  })()
  const root = await tempDir(t)
  await cp(await growingBacklog, root, { recursive: true })
  return root
}

test('a recover killed while the writer takes rows of an output still being planned, then run again: each output was named in the journal as it opened, and every row is written once', async (t) => {
  const root = await growingSpill(t)
  const out = await tempDir(t)
  const args = ['recover', '--path', root, '--out', out, '--granularity', 'none', '--jobs', '2']

  const killed = await runCli(args, { env: { BUFCTL_CRASH_AT: 'output-growing' } })
  assert.equal(killed.code, -1, `the process died by SIGKILL inside a growing output: ${killed.stderr}`)
  const journal = JSON.parse(await readFile(join(root, 'events', 'bufctl-commit.json'), 'utf8')) as JournalRecord
  assert.equal(journal.state, 'writing')
  assert.ok(journal.outputs.length >= 1)
  const named = journal.outputs.map((output) => output.path)
  // Whatever the killed run left of its outputs lies under the names the journal gave them.
  const stems = named.map((path) => path.split('/').pop()!.replace('.parquet', ''))
  for (const file of await filesUnder(out))
    assert.ok(
      stems.some((stem) => file.includes(stem)),
      `${file} is named in the journal`,
    )

  const again = await runCli([...args, '--json'])
  assert.equal(again.code, 0, again.stderr)
  const report = JSON.parse(again.stdout) as ReplayReport
  assert.equal(report.tables[0]!.earlierCommits[0]?.resolution, 'rolled-back')
  const written = report.tables[0]!.outputs.map((output) => output.relative)
  assert.ok(
    named.every((path) => written.includes(path)),
    'planned again, each output gets the name it had',
  )
  // Every row once (the outputs are read in the order of their names, not of their rows).
  const rows = await readParquetRows(join(out, 'events'))
  assert.deepEqual(
    rows.map((row) => row.id as number).sort((a, b) => a - b),
    Array.from({ length: GROWING.files * GROWING.rowsPerFile }, (_, id) => id),
  )
  assert.deepEqual(await filesUnder(out, '.tmp'), [])
})

test('kill -9 at random instants of recovers whose outputs are written while they grow: every file a killed run left is named in its journal, and the next run gives every row exactly once', async (t) => {
  const total = rounds('GROWING_KILL_ROUNDS', 8, 3)
  const random = seededRandom(Number(process.env.KILL_SEED ?? 20261204))
  const args = (root: string, out: string) => ['recover', '--path', root, '--out', out, '--granularity', 'none', '--jobs', '2']
  // One uninterrupted recover of the same backlog, measured here, places the kill instants.
  const calibration = { root: await growingSpill(t), out: await tempDir(t) }
  const durationMs = await measureRun(args(calibration.root, calibration.out))
  let journaled = 0
  for (let round = 0; round < total; round++) {
    const root = await growingSpill(t)
    const out = await tempDir(t)
    const delay = instantWithin(durationMs, random)
    await runAndSignal(args(root, out), delay)
    const journal = await readFile(join(root, 'events', 'bufctl-commit.json'), 'utf8').catch(() => undefined)
    if (journal !== undefined) {
      journaled++
      const stems = (JSON.parse(journal) as JournalRecord).outputs.map((output) => output.path.split('/').pop()!.replace('.parquet', ''))
      for (const file of await filesUnder(out))
        assert.ok(
          stems.some((stem) => file.includes(stem)),
          `round ${round} (killed after ${delay} ms): ${file} is not named in the journal`,
        )
    }
    const again = await runCli(args(root, out))
    assert.equal(again.code, 0, `round ${round} (killed after ${delay} ms): ${again.stderr}`)
    const rows = await readParquetRows(join(out, 'events'))
    assert.deepEqual(
      rows.map((row) => row.id as number).sort((a, b) => a - b),
      Array.from({ length: GROWING.files * GROWING.rowsPerFile }, (_, id) => id),
      `round ${round} (killed after ${delay} ms): every row exactly once`,
    )
    assert.deepEqual(await filesUnder(out, '.tmp'), [])
  }
  t.diagnostic(`${total} rounds, ${journaled} journals left by killed runs; an uninterrupted recover took ${Math.round(durationMs)} ms`)
  assert.ok(journaled > 0, 'some runs must have been killed mid-commit')
})
