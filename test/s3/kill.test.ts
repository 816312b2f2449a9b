/**
 * kill -9 at random instants (seeded, drawn from a run measured in this test) during a recover
 * into S3, then a re-run: every row exactly once in the bucket, and every multipart upload bufctl
 * started completed or aborted.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'
import { instantWithin, measureRun, runAndSignal } from '../helpers/kill.js'
import { rounds, seededRandom } from '../helpers/random.js'
import { BUCKET, startS3 } from '../helpers/s3.js'
import { writeBigLogs } from '../helpers/s3-data.js'
import { assertExactlyOnce } from '../helpers/spill.js'

const ROUNDS = rounds('S3_KILL_ROUNDS', 30, 20)
const SEED = Number(process.env.S3_KILL_SEED ?? 20261126)

test(`kill -9 during a recover into S3, ${ROUNDS} rounds, then a re-run: every row once, no upload left open`, { timeout: 30 * 60_000 }, async (t) => {
  const s3 = await startS3(t)
  const template = await tempDir(t)
  // Two outputs of a little over one part each, so most of the work is multipart uploads.
  const ids = await writeBigLogs(template, 11 * 1024 * 1024)
  const args = (root: string, prefix: string) => [
    'recover',
    '--path',
    root,
    '--out',
    `s3://${BUCKET}/${prefix}`,
    '--compression',
    'none',
    '--granularity',
    'none',
    '--target-file-size',
    '5.5MiB',
  ]
  const work = await tempDir(t)
  const measuredRoot = join(work, 'measured')
  await cp(template, measuredRoot, { recursive: true })
  const duration = await measureRun(args(measuredRoot, 'measured'), { env: s3.env })
  const random = seededRandom(SEED)
  let killedMidway = 0
  for (let round = 0; round < ROUNDS; round++) {
    const root = join(work, `round-${round}`)
    await cp(template, root, { recursive: true })
    const prefix = `round-${round}`
    const killed = await runAndSignal(args(root, prefix), instantWithin(duration, random, 0.1, 1.1), { env: s3.env })
    if (killed.sent) killedMidway++
    const again = await runCli(args(root, prefix), { env: s3.env })
    assert.equal(again.code, 0, `round ${round} (seed ${SEED}): ${again.stderr}`)
    const local = await tempDir(t)
    await s3.download(`${prefix}/`, local)
    await assertExactlyOnce(root, local, { otel_logs: ids })
    for (const [id, upload] of s3.uploads) if (upload.key.startsWith(`${prefix}/`)) assert.notEqual(upload.state, 'open', `round ${round}: upload ${id} left open`)
  }
  t.diagnostic(`${killedMidway} of ${ROUNDS} runs killed while working; ${s3.uploads.size} multipart uploads started`)
  assert.ok(killedMidway >= ROUNDS / 2, `most runs were killed while working (${killedMidway} of ${ROUNDS})`)
})

test('killed with a multipart upload in flight (recorded in the journal): the next run aborts it and writes every row once', async (t) => {
  const s3 = await startS3(t)
  const root = await tempDir(t)
  const ids = await writeBigLogs(root, 11 * 1024 * 1024)
  const args = ['recover', '--path', root, '--out', `s3://${BUCKET}/crashed`, '--compression', 'none', '--granularity', 'none', '--target-file-size', '5.5MiB']
  const killed = await runCli(args, { env: { ...s3.env, BUFCTL_CRASH_AT: 'upload-recorded' } })
  assert.equal(killed.code, -1, 'died by SIGKILL')
  const open = [...s3.uploads.values()].filter((upload) => upload.state === 'open')
  assert.ok(open.length >= 1, 'an upload was left open')
  const again = await runCli(args, { env: s3.env })
  assert.equal(again.code, 0, again.stderr)
  for (const upload of open) assert.equal(upload.state, 'aborted', `${upload.key}: aborted by the next run`)
  for (const upload of s3.uploads.values()) assert.notEqual(upload.state, 'open')
  const local = await tempDir(t)
  await s3.download('crashed/', local)
  await assertExactlyOnce(root, local, { otel_logs: ids })
})

test('killed with an upload in flight, then a store that cannot list multipart uploads (501): the recorded upload is aborted, every row once', async (t) => {
  const s3 = await startS3(t)
  const root = await tempDir(t)
  const ids = await writeBigLogs(root, 11 * 1024 * 1024)
  const args = ['recover', '--path', root, '--out', `s3://${BUCKET}/crashed`, '--compression', 'none', '--granularity', 'none', '--target-file-size', '5.5MiB']
  const killed = await runCli(args, { env: { ...s3.env, BUFCTL_CRASH_AT: 'upload-recorded' } })
  assert.equal(killed.code, -1, 'died by SIGKILL')
  const open = [...s3.uploads.values()].filter((upload) => upload.state === 'open')
  assert.ok(open.length >= 1, 'an upload was left open')
  s3.faults.push({ match: (call) => call.operation === 'ListMultipartUploads', kind: 501, times: 1000 })
  const again = await runCli(args, { env: s3.env })
  assert.equal(again.code, 0, again.stderr)
  for (const upload of open) assert.equal(upload.state, 'aborted', `${upload.key}: aborted by the next run`)
  for (const upload of s3.uploads.values()) assert.notEqual(upload.state, 'open')
  const local = await tempDir(t)
  await s3.download('crashed/', local)
  assert.ok(
    s3.calls.some((call) => call.operation === 'ListMultipartUploads'),
    'the run tried to list',
  )
  await assertExactlyOnce(root, local, { otel_logs: ids })
})
