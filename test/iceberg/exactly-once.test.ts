/**
 * Exactly once into an Iceberg table through a real REST catalog: recover killed at every named
 * instant of the commit — including after the catalog took the commit but before bufctl heard so
 * — and at random instants, then run again; and several hosts (spill roots) committing into one
 * table at once, killed and run again. Every row is read back by pyiceberg once.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { BIN, PROJECT_ROOT, runCli } from '../helpers/cli.js'
import { instantWithin, measureRun, runAndSignal } from '../helpers/kill.js'
import { rounds, seededRandom } from '../helpers/random.js'
import { copyFixture, expandIds, expectedOf, filesUnder } from '../helpers/spill.js'
import { isCommit, readIceberg, startRestCatalog, type RestCatalogFixture } from '../helpers/iceberg.js'
import type { StatusReport } from '../../src/lib/inspect/index.js'

const TABLE = 'otel_logs'

async function expectedIds(copies = 1): Promise<number[]> {
  const ids = expandIds((await expectedOf('crashed')).ids[TABLE]!)
  return Array.from({ length: copies }, () => ids)
    .flat()
    .sort((a, b) => a - b)
}

/** The table's directory holds nothing to drain any more: no pending or held file, no journal. */
async function assertDrained(root: string): Promise<void> {
  const left = (await filesUnder(join(root, TABLE))).filter((file) => !file.includes('/quarantine/') && /\.ipc$|bufctl-commit\.json$/.test(file))
  assert.deepEqual(left, [], 'nothing left to drain')
}

async function assertRowsOnce(catalog: RestCatalogFixture, namespace: string, copies = 1): Promise<void> {
  const read = await readIceberg(catalog.direct, TABLE, { namespace })
  assert.deepEqual(
    [...read.ids].sort((a, b) => a! - b!),
    await expectedIds(copies),
    `${namespace}.${TABLE}: every row exactly once`,
  )
  // The table's own bookkeeping agrees with its rows.
  if (read.snapshots.length > 0) assert.equal(read.snapshots.at(-1)!.summary['total-records'], String(read.rows))
}

const recoverArgs = (root: string, catalog: RestCatalogFixture, namespace: string) => [
  'recover',
  '--path',
  root,
  '--table',
  TABLE,
  '--iceberg-catalog',
  catalog.url,
  '--iceberg-namespace',
  namespace,
]

test('recover killed at each instant of the commit protocol, then run again, puts every row into the table exactly once', async (t) => {
  const catalog = await startRestCatalog(t)
  for (const point of ['files-held', 'journal-written', 'outputs-written', 'journal-durable', 'attempt-recorded', 'published', 'files-committed']) {
    const namespace = `crash_${point.replaceAll('-', '_')}`
    const { root } = await copyFixture(t, 'crashed')
    const killed = await runCli(recoverArgs(root, catalog, namespace), { env: { BUFCTL_CRASH_AT: point } })
    assert.equal(killed.code, -1, `${point}: the process died by SIGKILL`)
    if (['journal-durable', 'attempt-recorded', 'published'].includes(point)) {
      // status tells the operator where the interrupted commit went.
      const status = await runCli(['status', '--path', root, '--json'])
      const table = (JSON.parse(status.stdout) as StatusReport).tables.find((entry) => entry.table === TABLE)!
      assert.deepEqual(table.waitingOnCatalog, { catalog: catalog.url, table: `${namespace}.${TABLE}` }, point)
      // Without the catalog, nothing can tell whether the commit landed: the table is left alone.
      const blind = await runCli(['recover', '--path', root, '--table', TABLE, '--out', `${root}-parquet`])
      assert.equal(blind.code, 2, `${point}: ${blind.stderr}`)
      assert.match(blind.stderr, new RegExp(`--iceberg-catalog ${catalog.url}`))
    }
    const again = await runCli(recoverArgs(root, catalog, namespace))
    assert.equal(again.code, 0, `${point}: ${again.stderr}`)
    await assertDrained(root)
    await assertRowsOnce(catalog, namespace)
  }
})

test('a commit the catalog took whose answer never came back (bufctl killed while waiting for it) is found in the table by the next run', async (t) => {
  const catalog = await startRestCatalog(t)
  const { root } = await copyFixture(t, 'crashed')
  catalog.faults.push({ match: isCommit, kind: 'hold-answer', times: 1 })
  const child = spawn(process.execPath, [BIN, ...recoverArgs(root, catalog, 'held')], { cwd: PROJECT_ROOT, stdio: 'ignore', env: { ...process.env, BUFCTL_PATH: '' } })
  await catalog.held()
  child.kill('SIGKILL')
  await once(child, 'close')
  const again = await runCli([...recoverArgs(root, catalog, 'held'), '--json'])
  assert.equal(again.code, 0, again.stderr)
  await assertDrained(root)
  await assertRowsOnce(catalog, 'held')
  assert.equal((await readIceberg(catalog.direct, TABLE, { namespace: 'held' })).snapshots.length, 1, 'one snapshot: the one the catalog took')
})

test('recover killed with SIGKILL at random instants, then run again, puts every row into the table exactly once', async (t) => {
  const catalog = await startRestCatalog(t)
  const measured = await copyFixture(t, 'crashed')
  const durationMs = await measureRun(recoverArgs(measured.root, catalog, 'measure'))
  const random = seededRandom(23)
  const total = rounds('ICEBERG_KILL_ROUNDS', 24, 20)
  let killedMidway = 0
  for (let round = 0; round < total; round++) {
    const namespace = `random_${round}`
    const { root } = await copyFixture(t, 'crashed')
    const run = await runAndSignal(recoverArgs(root, catalog, namespace), instantWithin(durationMs, random))
    if (run.sent) killedMidway++
    const again = await runCli(recoverArgs(root, catalog, namespace))
    assert.equal(again.code, 0, `round ${round}: ${again.stderr}`)
    await assertDrained(root)
    await assertRowsOnce(catalog, namespace)
  }
  assert.ok(killedMidway >= total / 3, `${killedMidway} of ${total} runs were killed while running`)
})

test('four hosts recovering into one table at once, killed at random and run again, commit every drain exactly once (conflicts retried, none lost)', async (t) => {
  const catalog = await startRestCatalog(t)
  const hosts = 4
  const random = seededRandom(4)
  const roots = await Promise.all(Array.from({ length: hosts }, async () => (await copyFixture(t, 'crashed')).root))
  // Each host's drain rows carry the same ids: tell them apart by counting each id once per host.
  const measured = await copyFixture(t, 'crashed')
  const durationMs = await measureRun(recoverArgs(measured.root, catalog, 'measure4'))
  const first = await Promise.all(roots.map((root) => runAndSignal(recoverArgs(root, catalog, 'fleet'), random() < 0.5 ? instantWithin(durationMs, random) : 24 * 3600_000)))
  for (const [index, run] of first.entries()) assert.ok(run.code === 0 || run.signal === 'SIGKILL' || run.code === 75, `host ${index}: ${run.stderr}`)
  // Run again (all at once) until every host is done: a conflict storm may send one home with 75.
  for (let attempt = 0; attempt < 5; attempt++) {
    const again = await Promise.all(roots.map((root) => runCli(recoverArgs(root, catalog, 'fleet'))))
    if (again.every((result) => result.code === 0)) break
    for (const result of again) assert.ok(result.code === 0 || result.code === 75, result.stderr)
  }
  for (const root of roots) await assertDrained(root)
  await assertRowsOnce(catalog, 'fleet', hosts)
  const read = await readIceberg(catalog.direct, TABLE, { namespace: 'fleet' })
  const drains = read.snapshots.map((snapshot) => snapshot.summary['bufctl.drain-id'])
  assert.equal(new Set(drains).size, drains.length, 'no drain committed twice')
})
