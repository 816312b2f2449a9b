import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { cp, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { PROJECT_ROOT } from '../helpers/cli.js'
import { expectedOf, FIXTURES } from '../helpers/spill.js'
import { tempDir } from '../helpers/fs.js'

const run = promisify(execFile)

test('npm pack, then a global install of the tarball, gives a working bufctl on PATH', async (t) => {
  const work = await tempDir(t)
  await run('npm', ['pack', '--pack-destination', work], { cwd: PROJECT_ROOT })
  const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'))
  assert.ok(tarball, 'npm pack produced a tarball')
  const prefix = join(work, 'global')
  await run('npm', ['install', '--global', '--prefix', prefix, '--allow-scripts=fs-ext', '--no-audit', '--no-fund', join(work, tarball)], { cwd: work })

  const env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, NO_COLOR: '1' }
  const version = await run('bufctl', ['--version'], { env, cwd: work })
  assert.match(version.stdout, /^bufctl\/\d+\.\d+\.\d+ /)

  const spill = join(work, 'spill')
  await cp(join(FIXTURES, 'clean'), spill, { recursive: true })
  const flushed = await run('bufctl', ['flush', '--path', spill, '--out', join(work, 'parquet'), '--json'], { env, cwd: work })
  const expected = Object.values((await expectedOf('clean')).rows).reduce((sum, rows) => sum + rows, 0)
  assert.equal((JSON.parse(flushed.stdout) as { rows: number }).rows, expected)
})
