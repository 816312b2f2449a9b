import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'
import { BUCKET, closedPort, silentServer, startS3, type S3Fixture } from '../helpers/s3.js'
import { assertExactlyOnce, copyFixture, expandIds, expectedOf, snapshot } from '../helpers/spill.js'
import { EXPORTER_TABLES } from '../fixtures/exporter-data.js'
import type { ErrorDocument } from '../../src/cli/exit-codes.js'

async function crashedExpectation(): Promise<Record<string, number[]>> {
  const expected = await expectedOf('crashed')
  return Object.fromEntries(EXPORTER_TABLES.map((table) => [table, expandIds(expected.ids[table]!)]))
}

async function assertBucketHoldsOnce(t: Parameters<typeof tempDir>[0], s3: S3Fixture, prefix: string, root: string): Promise<void> {
  const local = await tempDir(t)
  await s3.download(prefix, local)
  await assertExactlyOnce(root, local, await crashedExpectation())
  for (const [id, upload] of s3.uploads) assert.notEqual(upload.state, 'open', `upload ${id} of ${upload.key} completed or aborted`)
}

test('HTTP 500 and 503 on some requests are retried: every row once', async (t) => {
  const s3 = await startS3(t)
  const { root } = await copyFixture(t, 'crashed')
  s3.faults.push(
    { match: (call) => call.operation === 'PutObject' && call.key.includes('/data/'), kind: 500, times: 2 },
    { match: (call) => call.operation === 'HeadObject', kind: 503, times: 2 },
  )
  const run = await runCli(['recover', '--path', root, '--out', `s3://${BUCKET}/retried`], { env: s3.env })
  assert.equal(run.code, 0, run.stderr)
  assert.ok(
    s3.faults.every((fault) => fault.times === 0),
    'every fault was met',
  )
  await assertBucketHoldsOnce(t, s3, 'retried/', root)
})

test('a connection reset in the middle of a part upload is retried, never committed half', async (t) => {
  const s3 = await startS3(t)
  const root = await bigSpill(t)
  s3.faults.push({ match: (call) => call.operation === 'UploadPart', kind: 'reset-mid-body', times: 1 })
  const run = await runCli(['recover', '--path', root, '--out', `s3://${BUCKET}/reset`, '--compression', 'none', '--granularity', 'none', '--json'], { env: s3.env })
  assert.equal(run.code, 0, run.stderr)
  assert.equal(s3.faults[0]!.times, 0, 'the reset happened')
  assert.ok(
    [...s3.uploads.values()].some((upload) => upload.state === 'completed'),
    'a multipart upload was used',
  )
  for (const upload of s3.uploads.values()) assert.notEqual(upload.state, 'open')
  const report = JSON.parse(run.stdout) as { rows: number }
  const local = await tempDir(t)
  await s3.download('reset/', local)
  const { readParquetRows } = await import('../helpers/spill.js')
  assert.equal((await readParquetRows(local)).length, report.rows)
})

test('a part upload that keeps failing rolls the table back: nothing in the bucket, the spill root as it was', async (t) => {
  const s3 = await startS3(t)
  const root = await bigSpill(t)
  const before = await snapshot(root)
  s3.faults.push({ match: (call) => call.operation === 'UploadPart', kind: 500, times: 1000 })
  const run = await runCli(['recover', '--path', root, '--out', `s3://${BUCKET}/failing`, '--compression', 'none', '--granularity', 'none'], { env: s3.env })
  assert.equal(run.code, 1, run.stderr)
  assert.match(run.stderr, /failed otel_logs/)
  assert.deepEqual(await s3.keys('failing/'), [])
  for (const upload of s3.uploads.values()) assert.equal(upload.state, 'aborted')
  assert.deepEqual(await snapshot(root), before)
})

test('an endpoint that refuses connections: exit 75 within the timeout, naming it; the spill root byte-for-byte unchanged', async (t) => {
  const { root } = await copyFixture(t, 'crashed')
  const before = await snapshot(root)
  const endpoint = `http://127.0.0.1:${await closedPort()}`
  const started = Date.now()
  const run = await runCli(['recover', '--path', root, '--out', `s3://${BUCKET}/x`, '--endpoint-url', endpoint, '--json'], {
    env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_EC2_METADATA_DISABLED: 'true' },
    timeoutMs: 60_000,
  })
  assert.equal(run.code, 75, run.stderr)
  assert.ok(Date.now() - started < 30_000)
  const document = JSON.parse(run.stdout) as ErrorDocument
  assert.equal(document.error.code, 'STORE_UNREACHABLE')
  assert.ok(document.error.message.includes(endpoint), document.error.message)
  assert.deepEqual(await snapshot(root), before)
})

test('a store that never answers: exit 75 after --s3-timeout', async (t) => {
  const { root } = await copyFixture(t, 'crashed')
  const before = await snapshot(root)
  const endpoint = await silentServer(t)
  const started = Date.now()
  const run = await runCli(['flush', '--path', root, '--out', `s3://${BUCKET}/x`, '--endpoint-url', endpoint, '--s3-timeout', '2s'], {
    env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_EC2_METADATA_DISABLED: 'true' },
    timeoutMs: 60_000,
  })
  assert.equal(run.code, 75, run.stderr)
  assert.ok(Date.now() - started < 20_000, `gave up in ${Date.now() - started} ms`)
  assert.match(run.stderr, new RegExp(`cannot reach the object store at ${endpoint}: no answer to s3:PutObject within the time allowed \\(--s3-timeout\\)`))
  assert.deepEqual(await snapshot(root), before)
})

/** A web server that answers every request with `status` and an HTML page, as a wrong --endpoint-url would. */
async function webServer(t: Parameters<typeof tempDir>[0], status: number): Promise<string> {
  const { createServer } = await import('node:http')
  const server = createServer((request, response) => {
    request.resume()
    response.writeHead(status, { 'content-type': 'text/html' })
    response.end('<html><body><h1>Welcome</h1></body></html>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`
}

test('an endpoint that answers but is not S3: what it answered, exit 2 (a 4xx) or 75 (a 5xx); no file is blamed, nothing changed', async (t) => {
  const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_EC2_METADATA_DISABLED: 'true' }
  for (const [status, code] of [
    [404, 2],
    [403, 2],
    [502, 75],
  ] as const) {
    const { root } = await copyFixture(t, 'crashed')
    const before = await snapshot(root)
    const endpoint = await webServer(t, status)
    const run = await runCli(['recover', '--path', root, '--out', `s3://${BUCKET}/x`, '--endpoint-url', endpoint, '--json'], { env, timeoutMs: 60_000 })
    assert.equal(run.code, code, `HTTP ${status}: ${run.stdout}`)
    const document = JSON.parse(run.stdout) as ErrorDocument
    assert.notEqual(document.error.code, 'INTERNAL')
    assert.match(document.error.message, status === 403 ? /access denied|refused/ : new RegExp(`answered s3:PutObject with HTTP ${status}`))
    assert.doesNotMatch(document.error.hint, /bug in bufctl/)
    assert.deepEqual(await snapshot(root), before)
  }
  // One that takes every write and answers every read with a web page: the read-back catches it, and it is the store's fault, not the data's.
  const { root } = await copyFixture(t, 'crashed')
  const endpoint = await webServer(t, 200)
  const run = await runCli(['recover', '--path', root, '--out', `s3://${BUCKET}/x`, '--endpoint-url', endpoint, '--json'], { env, timeoutMs: 60_000 })
  assert.equal(run.code, 1, run.stderr)
  const report = JSON.parse(run.stdout) as { tables: { table: string; status: string; quarantined: unknown[]; error?: { code: string; message: string } }[] }
  for (const table of report.tables.filter((entry) => entry.status === 'failed')) {
    const error = table.error!
    assert.equal(error.code, 'OUTPUT_VERIFICATION', `${table.table}: ${error.message}`)
    assert.match(error.message, /does not hold what was written: it has \d+ bytes, \d+ were written/)
  }
  assert.ok(report.tables.some((entry) => entry.status === 'failed'))
  const quarantinedByWriter = report.tables.flatMap((entry) => entry.quarantined).filter((note) => /Parquet writer/.test(JSON.stringify(note)))
  assert.deepEqual(quarantinedByWriter, [], 'no file was set aside as unwritable')
})

test('wrong credentials: exit 2, naming the bucket and the denied action; nothing changed', async (t) => {
  const s3 = await startS3(t)
  const { root } = await copyFixture(t, 'crashed')
  const before = await snapshot(root)
  const run = await runCli(['recover', '--path', root, '--out', `s3://${BUCKET}/denied`, '--json'], {
    env: { ...s3.env, AWS_ACCESS_KEY_ID: 'NOT-S3RVER', AWS_SECRET_ACCESS_KEY: 'wrong' },
  })
  assert.equal(run.code, 2, run.stderr)
  const document = JSON.parse(run.stdout) as ErrorDocument
  assert.equal(document.error.code, 'STORE_ACCESS')
  assert.match(document.error.message, new RegExp(`s3:PutObject in bucket ${BUCKET}`))
  assert.equal(document.error.path, `s3://${BUCKET}/denied`)
  assert.deepEqual(await s3.keys(), [])
  assert.deepEqual(await snapshot(root), before)
})

test('no credentials at all: exit 2, saying where credentials come from', async (t) => {
  const s3 = await startS3(t)
  const { root } = await copyFixture(t, 'crashed')
  const env = { ...s3.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' }
  const run = await runCli(['recover', '--path', root, '--out', `s3://${BUCKET}/none`], { env, timeoutMs: 60_000 })
  assert.equal(run.code, 2, run.stderr)
  assert.match(run.stderr, /no AWS credentials/)
  assert.match(run.stderr, /AWS_PROFILE/)
})

test('a bucket that does not exist: exit 2', async (t) => {
  const s3 = await startS3(t)
  const { root } = await copyFixture(t, 'crashed')
  const run = await runCli(['recover', '--path', root, '--out', 's3://no-such-bucket/x'], { env: s3.env })
  assert.equal(run.code, 2, run.stderr)
  assert.match(run.stderr, /no-such-bucket does not exist/)
})

for (const [out, message] of [
  ['s3://', /names no bucket/],
  ['s3:///prefix', /names no bucket/],
  ['gs://bucket/prefix', /gs:\/\/ outputs are not supported/],
  ['https://example.com/x', /https:\/\/ outputs are not supported/],
  ['s3:relative', /s3: is not a URL bufctl writes to/],
  ['s3://Bad_Bucket/x', /not a valid S3 bucket name/],
] as const) {
  test(`--out ${out} is refused with exit 2, and no directory is made`, async (t) => {
    const { root } = await copyFixture(t, 'crashed')
    const cwd = await tempDir(t)
    const before = await snapshot(root)
    for (const command of [
      ['recover', '--path', root, '--out', out],
      ['flush', '--path', root, '--out', out],
      ['ingest', 'otel_logs', '-', '--storage', 'memory', '--out', out],
    ]) {
      const run = await runCli(command, { cwd })
      assert.equal(run.code, 2, `${command[0]}: ${run.stderr}`)
      assert.match(run.stderr, message)
    }
    assert.deepEqual(await snapshot(cwd), {}, 'nothing created in the working directory')
    assert.deepEqual(await snapshot(root), before)
  })
}

/** A spill root whose otel_logs holds about 12 MB of incompressible strings: outputs take multipart uploads. */
async function bigSpill(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const { writeBigLogs } = await import('../helpers/s3-data.js')
  const root = await tempDir(t)
  await writeBigLogs(root, 12 * 1024 * 1024)
  return root
}
