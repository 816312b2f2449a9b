/**
 * oclif's own plugins: "did you mean" for a mistyped command (plugin-not-found, which asks on a
 * terminal: run under `script`, a real pseudo-terminal), shell completion (plugin-autocomplete,
 * checked with bash's own completion machinery), and a README command reference that is current.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BIN, PROJECT_ROOT, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'

test('bufctl stauts: "did you mean status?" on a terminal; exit 127 and no command run', () => {
  const run = spawnSync('script', ['-qec', `"${process.execPath}" "${BIN}" stauts`, '/dev/null'], { input: 'n\n', encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
  // eslint-disable-next-line no-control-regex
  const text = run.stdout.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')
  assert.match(text, /stauts is not a bufctl command/)
  assert.match(text, /Did you mean status\?/)
  assert.equal(run.status, 127)
})

test('without a terminal a mistyped command fails at once with exit 127 (nothing waits for an answer)', async () => {
  const run = await runCli(['stauts'], { timeoutMs: 30_000 })
  assert.equal(run.code, 127)
  assert.match(run.stderr, /stauts is not a bufctl command/)
})

test('bufctl autocomplete bash: the script it installs completes "bufctl st" to status (bash compgen)', async (t) => {
  const home = await tempDir(t)
  const env = { ...process.env, HOME: home, XDG_CACHE_HOME: join(home, '.cache'), NO_COLOR: '1' }
  const setup = await runCli(['autocomplete', 'bash'], { env })
  assert.equal(setup.code, 0, setup.stderr)
  const script = await runCli(['autocomplete', 'script', 'bash'], { env })
  assert.match(script.stdout, /BUFCTL_AC_BASH_SETUP_PATH=/)
  const complete = (line: string) => {
    const words = line.split(' ')
    const bash = `${script.stdout}
COMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMP_LINE='${line}'; COMP_POINT=\${#COMP_LINE}
_bufctl_autocomplete
printf '%s\\n' "\${COMPREPLY[@]}"`
    const run = spawnSync('bash', ['-c', bash], { env, encoding: 'utf8' })
    assert.equal(run.status, 0, run.stderr)
    return run.stdout.split('\n').filter((word) => word !== '')
  }
  assert.deepEqual(complete('bufctl st'), ['status'])
  assert.ok(complete('bufctl recover --dr').includes('--dry-run'))
  assert.ok(complete('bufctl quarantine re').includes('restore'))
})

test('the README command reference is what `oclif readme` generates from the commands now', async () => {
  const run = spawnSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'oclif'), ['readme', '--no-aliases', '--dry-run'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true' },
  })
  assert.equal(run.status, 0, run.stderr)
  const section = (text: string) => text.slice(text.indexOf('\n<!-- commands -->\n'), text.indexOf('<!-- commandsstop -->'))
  const readme = await readFile(join(PROJECT_ROOT, 'README.md'), 'utf8')
  assert.ok(section(run.stdout).length > 1000)
  assert.equal(section(readme), section(run.stdout), 'README.md is out of date: run npm run readme')
})
