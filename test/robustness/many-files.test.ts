/**
 * A backlog of many small pending files (the exporter appends one batch per export call): every row
 * written once, in order, whatever the descriptor limit, and batches of several files sharing one
 * way into the Parquet writer only when their streams are the same.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { RecordBatch, Schema } from 'apache-arrow'
import { idBatch, writeStream } from '../helpers/arrow.js'
import { BIN, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'
import { readParquetRows } from '../helpers/spill.js'
import { pendingFileName } from '../../src/lib/format/table-directory.js'

const ROWS_PER_FILE = 20

/** `files` pending files of one batch each, ids in file order; every `marked`-th file's schema carries metadata. */
async function smallFiles(directory: string, files: number, marked = 0): Promise<void> {
  await mkdir(directory, { recursive: true })
  for (let index = 0; index < files; index++) {
    let batch = idBatch(index * ROWS_PER_FILE, ROWS_PER_FILE)
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
