/**
 * The Prometheus textfile for alerting: the run gauges on success and on failure (then no backlog
 * figure is left from an earlier run), checked by promtool when it is installed (CI installs it);
 * and the README's alert rules, which promtool must accept.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PROJECT_ROOT, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'
import { copyFixture } from '../helpers/spill.js'

const promtool = spawnSync('promtool', ['--version']).status === 0

/** promtool's verdict, when it is here; under CI=true it must be (CI installs Debian's prometheus). */
function promtoolCheck(t: { diagnostic(message: string): void }, args: string[], input?: string): void {
  if (!promtool) {
    assert.ok(!process.env.CI, 'CI installs promtool (Debian package prometheus)')
    t.diagnostic('promtool is not installed: its check was not made')
    return
  }
  const run = spawnSync('promtool', args, { input, encoding: 'utf8' })
  assert.equal(run.status, 0, `promtool ${args.join(' ')}: ${run.stdout}${run.stderr}`)
}

function gauge(text: string, name: string): number | undefined {
  const value = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]
  return value === undefined ? undefined : Number(value)
}

test('a failing run rewrites the textfile: last_run_success 0, the last success kept, no stale backlog figures', async (t) => {
  const { root } = await copyFixture(t, 'crashed')
  const textfile = join(await tempDir(t), 'bufctl.prom')
  const before = Math.floor(Date.now() / 1000)
  const good = await runCli(['status', '--path', root, '--format', 'prometheus', '--output', textfile])
  assert.ok([0, 1].includes(good.code), good.stderr)
  const first = await readFile(textfile, 'utf8')
  assert.equal(gauge(first, 'bufctl_last_run_success'), 1)
  assert.ok(gauge(first, 'bufctl_last_run_timestamp_seconds')! >= before)
  assert.equal(gauge(first, 'bufctl_last_success_timestamp_seconds'), gauge(first, 'bufctl_last_run_timestamp_seconds'))
  assert.match(first, /^bufctl_buffer_pending_bytes\{table="otel_logs"\} \d+$/m)
  promtoolCheck(t, ['check', 'metrics'], first)

  // The spill root goes away (unmounted, renamed): the next run fails.
  await rename(root, `${root}-gone`)
  const bad = await runCli(['status', '--path', root, '--format', 'prometheus', '--output', textfile])
  assert.equal(bad.code, 2, bad.stderr)
  const second = await readFile(textfile, 'utf8')
  assert.equal(gauge(second, 'bufctl_last_run_success'), 0)
  assert.ok(gauge(second, 'bufctl_last_run_timestamp_seconds')! >= gauge(first, 'bufctl_last_run_timestamp_seconds')!)
  assert.equal(gauge(second, 'bufctl_last_success_timestamp_seconds'), gauge(first, 'bufctl_last_success_timestamp_seconds'), 'the last success is kept')
  assert.doesNotMatch(second, /bufctl_buffer_/, 'no backlog figure from the earlier run')
  promtoolCheck(t, ['check', 'metrics'], second)

  // A failure before any success has no last-success gauge at all.
  const fresh = join(await tempDir(t), 'fresh.prom')
  await runCli(['status', '--path', root, '--format', 'prometheus', '--output', fresh])
  const third = await readFile(fresh, 'utf8')
  assert.equal(gauge(third, 'bufctl_last_run_success'), 0)
  assert.equal(gauge(third, 'bufctl_last_success_timestamp_seconds'), undefined)
})

test("the README's alert rules pass promtool check rules", async (t) => {
  const readme = await readFile(join(PROJECT_ROOT, 'README.md'), 'utf8')
  const rules = /<!-- alert-rules -->\n```yaml\n([\s\S]*?)```\n<!-- alert-rules-end -->/.exec(readme)?.[1]
  assert.ok(rules, 'the README has the alert rules')
  assert.match(rules, /bufctl_last_run_success/)
  assert.match(rules, /bufctl_buffer_oldest_pending_age_seconds/)
  const file = join(await tempDir(t), 'bufctl-rules.yml')
  await writeFile(file, rules)
  promtoolCheck(t, ['check', 'rules', file])
})
