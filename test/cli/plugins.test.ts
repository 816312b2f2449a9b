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

test('bufctl stauts on a terminal: "did you mean status?", and asked whether to run it (no: exit 127; yes: status runs)', () => {
  const asked = (answer: string, args = '') =>
    spawnSync('script', ['-qec', `"${process.execPath}" "${BIN}" stauts ${args}`, '/dev/null'], { input: answer, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
  const no = asked('n\n')
  // eslint-disable-next-line no-control-regex
  const text = no.stdout.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')
  assert.match(text, /stauts is not a bufctl command; did you mean status\?/)
  assert.match(text, /Run bufctl status instead\? \[y\/N\]/)
  assert.equal(no.status, 127)
  const yes = asked('y\n', `--path "${join(PROJECT_ROOT, 'test', 'fixtures', 'clean')}"`)
  assert.match(yes.stdout, /TABLE\s+ROWS/, 'status ran')
  assert.equal(yes.status, 0)
})

test('without a terminal a mistyped command names the closest one at once, exit 127; under --json as the JSON document', async () => {
  const run = await runCli(['stauts'], { timeoutMs: 30_000 })
  assert.equal(run.code, 127)
  assert.match(run.stderr, /Error: stauts is not a bufctl command; did you mean status\?\nHint: run bufctl help/)
  const json = await runCli(['stauts', '--json'], { timeoutMs: 30_000 })
  assert.equal(json.code, 127)
  const document = JSON.parse(json.stdout) as { error: { code: string; message: string }; exitCode: number }
  assert.equal(document.error.code, 'UNKNOWN_COMMAND')
  assert.match(document.error.message, /did you mean status\?/)
  assert.equal(document.exitCode, 127)
  const topic = await runCli(['quarantine', 'lst'], { timeoutMs: 30_000 })
  assert.match(topic.stderr, /did you mean quarantine list\?/)
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
