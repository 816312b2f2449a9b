/**
 * One error shape for every failure: `Error:` and `Hint:` on stderr, or under --json one small
 * document `{ error: { code, message, hint, path }, exitCode }` on stdout — no stack, no internals.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmod, chown, lstat, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCli, type CliResult } from '../helpers/cli.js'
import { holdLockElsewhere, tempDir } from '../helpers/fs.js'
import { copyFixture, FIXTURES } from '../helpers/spill.js'

interface ErrorDocument {
  error: { code: string; message: string; hint: string; path: string }
  exitCode: number
}

/** The --json error document of a run, checked against the documented shape. */
function errorDocument(result: CliResult): ErrorDocument {
  const document = JSON.parse(result.stdout) as ErrorDocument
  assert.deepEqual(Object.keys(document).sort(), ['error', 'exitCode'])
  assert.deepEqual(Object.keys(document.error).sort(), ['code', 'hint', 'message', 'path'])
  for (const value of Object.values(document.error)) assert.equal(typeof value, 'string')
  assert.equal(document.exitCode, result.code, 'the document tells the exit code')
  assert.ok(result.stdout.length < 2048, `a small document (${result.stdout.length} bytes)`)
  assert.doesNotMatch(result.stdout, /node_modules|package\.json|\n\s+at /, 'no stack, no package internals')
  assert.ok(document.error.hint.length > 10, 'a hint that says what to do')
  return document
}

/** The human form of the same failure: two lines on stderr, nothing on stdout. */
function humanError(result: CliResult): void {
  assert.match(result.stderr, /^Error: .+\nHint: .+\n$/)
  assert.equal(result.stdout, '')
}

test('an unknown flag: exit 2, the one error shape (not oclif internals)', async () => {
  const json = await runCli(['status', '--json', '--pth', 'x'])
  assert.equal(json.code, 2)
  const document = errorDocument(json)
  assert.equal(document.error.code, 'USAGE')
  assert.match(document.error.message, /--pth/)
  assert.match(document.error.hint, /bufctl status --help/)
  const human = await runCli(['status', '--pth', 'x'])
  assert.equal(human.code, 2)
  humanError(human)
  const badValue = await runCli(['recover', '--path', 'x', '--compression', 'rar', '--json'])
  assert.equal(badValue.code, 2)
  assert.match(errorDocument(badValue).error.message, /compression/)
  // oclif says which flag on one line and why on the next: both reach the user.
  const outOfRange = await runCli(['recover', '--path', 'x', '--jobs', '0', '--json'])
  assert.equal(outOfRange.code, 2)
  assert.match(errorDocument(outOfRange).error.message, /^Parsing --jobs: Expected an integer greater than or equal to 1 but received: 0$/)
  const notANumber = await runCli(['status', '--path', 'x', '--max-rows', 'many'])
  assert.equal(notANumber.code, 2)
  humanError(notANumber)
  assert.match(notANumber.stderr, /--max-rows: Expected an integer/)
})

test('a missing spill root: status exits 2 with a hint about --path; flush and recover have nothing to do (exit 0, one line)', async (t) => {
  const result = await runCli(['status', '--path', '/nonexistent/spill', '--json'])
  assert.equal(result.code, 2)
  const document = errorDocument(result)
  assert.equal(document.error.code, 'ROOT_NOT_FOUND')
  assert.equal(document.error.path, '/nonexistent/spill')
  assert.match(document.error.hint, /--path|BUFCTL_PATH/)
  assert.doesNotMatch(document.error.hint, /standard input/)
  const human = await runCli(['status', '--path', '/nonexistent/spill'])
  humanError(human)
  // The ExecStartPre= recipe on a host where the exporter never ran: nothing to recover is success.
  const out = join(await tempDir(t), 'out')
  for (const command of [
    ['flush', '--out', out],
    ['recover', '--out', out],
    ['recover', '--dry-run'],
  ]) {
    const run = await runCli([...command, '--path', '/nonexistent/spill'])
    assert.equal(run.code, 0, `${command.join(' ')}: ${run.stderr}`)
    assert.equal(run.stdout, 'Nothing to do: the spill root /nonexistent/spill does not exist (yet).\n')
    const json = JSON.parse((await runCli([...command, '--path', '/nonexistent/spill', '--json'])).stdout) as { rootMissing: boolean; rows: number }
    assert.deepEqual([json.rootMissing, json.rows], [true, 0])
  }
  assert.equal((await runCli(['recover', '--out', out, '--path', '/nonexistent/spill', '--quiet'])).stdout, '')
  assert.equal((await lstat(out).catch(() => undefined)) === undefined, true, 'no output root was made')
})

test('permission denied: exit 2, the path named, a hint about which user', async (t) => {
  const work = await tempDir(t)
  const root = join(work, 'spill')
  await mkdir(join(root, 'otel_logs'), { recursive: true })
  await writeFile(join(root, 'otel_logs', 'pending-000001.ipc'), new Uint8Array(0))
  // As root, run bufctl as an unprivileged user on a root-only directory; as anyone else, take the permission away.
  const asRoot = process.getuid?.() === 0
  await chmod(work, 0o755)
  if (asRoot) await chmod(root, 0o700)
  else await chmod(root, 0o000)
  // Given back in the test itself: the temporary directory is removed before later hooks run.
  try {
    const options = asRoot ? { uid: 65534, gid: 65534 } : {}
    const result = await runCli(['status', '--path', root, '--json'], options)
    assert.equal(result.code, 2, result.stderr)
    const document = errorDocument(result)
    assert.equal(document.error.code, 'PERMISSION')
    assert.equal(document.error.path, root)
    assert.match(document.error.hint, /user/)
    if (asRoot) {
      await chmod(root, 0o755)
      await chown(join(root, 'otel_logs'), 0, 0)
      await chmod(join(root, 'otel_logs'), 0o700)
      const flush = await runCli(['flush', '--path', root, '--out', join(work, 'out'), '--json'], options)
      assert.equal(flush.code, 2, flush.stderr)
    }
  } finally {
    await chmod(root, 0o755)
  }
})

test('a lock held elsewhere: exit 75 for ingest, with the holder named', async (t) => {
  const { root } = await copyFixture(t, 'clean')
  const holder = await holdLockElsewhere(join(root, 'otel_logs', '.lock'))
  t.after(() => holder.release())
  const result = await runCli(['ingest', 'otel_logs', join(FIXTURES, 'inputs', 'logs-stream.arrows'), '--path', root, '--json'])
  assert.equal(result.code, 75, result.stderr)
  const report = JSON.parse(result.stdout) as { error?: { code: string; message: string; hint: string } }
  assert.equal(report.error?.code, 'LOCK_HELD')
  assert.match(report.error.message, new RegExp(`pid ${holder.pid}`))
  assert.match(report.error.hint, /retry later|stop the exporter/)
})

test('bad input: exit 2, the file named', async (t) => {
  const work = await tempDir(t)
  const notArrow = join(work, 'notes.csv')
  await writeFile(notArrow, 'a,b\n1,2\n')
  const result = await runCli(['ingest', 'otel_logs', notArrow, '--path', join(work, 'spill'), '--json'])
  assert.equal(result.code, 2)
  const document = errorDocument(result)
  assert.equal(document.error.code, 'NOT_ARROW')
  assert.equal(document.error.path, notArrow)
  const human = await runCli(['ingest', 'otel_logs', notArrow, '--path', join(work, 'spill')])
  humanError(human)
})
