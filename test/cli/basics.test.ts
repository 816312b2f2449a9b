import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { PROJECT_ROOT, runCli } from '../helpers/cli.js'

test('bufctl --version prints the package version', async () => {
  const pkg = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }
  const result = await runCli(['--version'])
  assert.equal(result.code, 0)
  assert.match(result.stdout, new RegExp(`^bufctl/${pkg.version.replaceAll('.', '\\.')} `))
})

test('bufctl --version answers without oclif exactly as oclif would (its user agent)', async () => {
  const { Config } = await import('@oclif/core')
  const config = await Config.load(PROJECT_ROOT)
  const result = await runCli(['--version'])
  assert.equal(result.stdout, `${config.userAgent}\n`)
  assert.equal(result.stderr, '')
})

test('bufctl --help lists usage', async () => {
  const result = await runCli(['--help'])
  assert.equal(result.code, 0)
  assert.match(result.stdout, /USAGE/)
  assert.match(result.stdout, /\$ bufctl/)
})

test('the package is importable by name with Manager and SignalBuffer, and ships type declarations', async () => {
  const script = "const m = await import('bufctl'); console.log(typeof m.Manager, typeof m.SignalBuffer, typeof m.DiskStore)"
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: PROJECT_ROOT })
  assert.equal(stdout.trim(), 'function function function')
  const pkg = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { exports: { '.': { types: string } } }
  const declarations = await readFile(join(PROJECT_ROOT, pkg.exports['.'].types), 'utf8')
  assert.match(declarations, /Manager/)
  assert.match(declarations, /SignalBuffer/)
})

test('cold start: --version and status of an empty root load neither parquet-wasm nor the AWS SDK, and no command loads apache-arrow as its own modules', async (t) => {
  const { tempDir } = await import('../helpers/fs.js')
  const spy = join(PROJECT_ROOT, 'test', 'helpers', 'module-spy.mjs')
  const empty = await tempDir(t)
  for (const args of [['--version'], ['status', '--path', empty]]) {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', spy, join(PROJECT_ROOT, 'bin', 'run.js'), ...args], { cwd: PROJECT_ROOT })
    assert.ok(stdout.length > 0, args.join(' '))
    assert.doesNotMatch(stderr, /LOADED/, `${args.join(' ')} loaded: ${stderr.split('\n').slice(0, 3).join(' ')}`)
  }
  // A status of a real table reads Arrow messages with apache-arrow's accessors, from the command's
  // bundle (scripts/bundle-cli.js): not as the ~150 modules of the package, which a start paid for.
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['--import', spy, join(PROJECT_ROOT, 'bin', 'run.js'), 'status', '--path', join(PROJECT_ROOT, 'test', 'fixtures', 'clean'), '--json'],
    { cwd: PROJECT_ROOT },
  )
  assert.ok((JSON.parse(stdout) as { tables: unknown[] }).tables.length > 0)
  assert.doesNotMatch(stderr, /LOADED .*apache-arrow/, 'apache-arrow is part of the command')
  assert.doesNotMatch(stderr, /LOADED .*(@aws-sdk|@smithy)/, 'status never loads the AWS SDK')
  // The spy itself works: an s3:// output does load the SDK (refused here by a store that is not there).
  const { closedPort } = await import('../helpers/s3.js')
  const s3 = await promisify(execFile)(
    process.execPath,
    ['--import', spy, join(PROJECT_ROOT, 'bin', 'run.js'), 'flush', '--path', empty, '--out', 's3://lake/x', '--endpoint-url', `http://127.0.0.1:${await closedPort()}`],
    { cwd: PROJECT_ROOT, env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' } },
  ).catch((error: unknown) => error as { stderr: string })
  assert.match(s3.stderr, /LOADED .*@aws-sdk\/client-s3/)
})
