import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { cp, mkdir, readdir, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { PROJECT_ROOT } from '../helpers/cli.js'
import { expectedOf, FIXTURES } from '../helpers/spill.js'
import { tempDir } from '../helpers/fs.js'

const run = promisify(execFile)

test('npm pack, then a global install of the tarball, gives a working bufctl on PATH', async (t) => {
  const work = await tempDir(t)
  // --ignore-scripts: `npm test` has built dist already, and prepack's rebuild would rewrite dist under
  // the CLI processes of the tests running beside this one (a half-written module fails their import).
  await run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: PROJECT_ROOT })
  const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'))
  assert.ok(tarball, 'npm pack produced a tarball')
  const prefix = join(work, 'global')
  // As the README says to install it: only fs-ext's build needs allowing, and npm has nothing else to warn about.
  const installed = await run('npm', ['install', '--global', '--prefix', prefix, '--allow-scripts=fs-ext', '--no-audit', '--no-fund', join(work, tarball)], { cwd: work })
  assert.doesNotMatch(installed.stderr, /install-scripts|allowScripts/, installed.stderr)

  const env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, NO_COLOR: '1' }
  const version = await run('bufctl', ['--version'], { env, cwd: work })
  assert.match(version.stdout, /^bufctl\/\d+\.\d+\.\d+ /)

  const spill = join(work, 'spill')
  await cp(join(FIXTURES, 'clean'), spill, { recursive: true })
  const flushed = await run('bufctl', ['flush', '--path', spill, '--out', join(work, 'parquet'), '--json'], { env, cwd: work })
  const expected = Object.values((await expectedOf('clean')).rows).reduce((sum, rows) => sum + rows, 0)
  assert.equal((JSON.parse(flushed.stdout) as { rows: number }).rows, expected)

  // The library, imported by its package name, does what the commands do.
  const app = join(work, 'app')
  await mkdir(join(app, 'node_modules'), { recursive: true })
  await symlink(join(prefix, 'lib', 'node_modules', 'bufctl'), join(app, 'node_modules', 'bufctl'))
  const script = `import { Manager, status, replay, ingest } from 'bufctl'
const report = await status({ root: ${JSON.stringify(join(FIXTURES, 'clean'))} })
console.log(JSON.stringify({ rows: report.totals.rows, kinds: [typeof Manager, typeof replay, typeof ingest] }))`
  const imported = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app })
  assert.deepEqual(JSON.parse(imported.stdout), { rows: expected, kinds: ['function', 'function', 'function'] })
})
