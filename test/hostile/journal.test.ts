/**
 * The commit journal is untrusted input: whatever a hostile local user writes into it, bufctl
 * deletes nothing outside the spill root, deletes no input that was not written, and renames
 * nothing into the root; it sets the journal aside, explains, and exits non-zero.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { dirname, join, relative } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { victim } from '../helpers/hostile.js'
import { assertExactlyOnce, copyFixture, expandIds, expectedOf, snapshot } from '../helpers/spill.js'
import { drainIdentity } from '../../src/lib/replay/drain-identity.js'
import { EXPORTER_TABLES } from '../fixtures/exporter-data.js'
import type { ReplayReport } from '../../src/lib/replay/index.js'

const UUID = '0f4c1a2b-3c4d-8e5f-9a0b-1c2d3e4f5a6b.parquet'

async function cleanExpectation(): Promise<Record<string, number[]>> {
  const clean = await expectedOf('clean')
  return Object.fromEntries(EXPORTER_TABLES.map((table) => [table, expandIds(clean.ids[table]!)]))
}

/** The pending files of a table as a journal names them (anyone can stat them). */
async function pendingEntries(directory: string): Promise<{ name: string; bytes: number; mtimeMs: number; quarantine: boolean }[]> {
  const names = (await readdir(directory)).filter((name) => /^pending-\d+\.ipc$/.test(name)).sort()
  return Promise.all(
    names.map(async (name) => {
      const info = await stat(join(directory, name))
      return { name, bytes: info.size, mtimeMs: info.mtimeMs, quarantine: false }
    }),
  )
}

/** Runs recover on a root whose otel_logs directory holds `journal`; returns the report and the table's entry. */
async function recoverWithJournal(root: string, out: string, journal: unknown) {
  const directory = join(root, 'otel_logs')
  await writeFile(join(directory, 'bufctl-commit.json'), typeof journal === 'string' ? journal : JSON.stringify(journal))
  const before = await snapshot(directory)
  const result = await runCli(['recover', '--path', root, '--out', out, '--table', 'otel_logs', '--json'])
  const report = JSON.parse(result.stdout) as ReplayReport
  return { result, report, table: report.tables[0]!, before, directory }
}

/** The table was left as it was, but for the journal being set aside. */
async function assertUntouched(directory: string, before: Record<string, string>): Promise<void> {
  const after = await snapshot(directory)
  const rejected = Object.keys(after).filter((name) => name.startsWith('bufctl-commit.rejected-') && !(name in before))
  assert.equal(rejected.length, 1, 'the journal was set aside')
  const without = (entries: Record<string, string>, name: string) => Object.fromEntries(Object.entries(entries).filter(([key]) => key !== name))
  assert.deepEqual(without(after, rejected[0]!), without(before, 'bufctl-commit.json'), 'nothing else in the table changed')
}

test('a journal whose outputs name a file outside the output root: nothing deleted, the journal set aside, exit 1', async (t) => {
  const { root, out } = await copyFixture(t, 'clean')
  const target = await victim(t)
  const directory = join(root, 'otel_logs')
  for (const output of [target.path, `../../../../${relative('/', target.path)}`, `otel_logs/data/../../${UUID}`]) {
    const { result, table, before } = await recoverWithJournal(root, out, {
      version: 3,
      state: 'writing',
      table: 'otel_logs',
      drain: await drainIdentity(directory, await pendingEntries(directory)),
      out: '/',
      files: await pendingEntries(directory),
      outputs: [{ path: output, rows: 1 }],
    })
    assert.equal(result.code, 1, result.stderr)
    assert.equal(table.status, 'failed')
    assert.equal(table.error?.code, 'JOURNAL')
    assert.match(table.error.message, /cannot be trusted/)
    await target.unchanged(output)
    await assertUntouched(directory, before)
  }
})

test('a journal whose files name a file outside the table (../): nothing deleted or moved', async (t) => {
  const { root, out } = await copyFixture(t, 'clean')
  const target = await victim(t)
  const directory = join(root, 'otel_logs')
  const info = await stat(target.path)
  const forged = { name: relative(directory, target.path), bytes: info.size, mtimeMs: info.mtimeMs, quarantine: true }
  const { result, before } = await recoverWithJournal(root, out, {
    version: 3,
    state: 'durable',
    table: 'otel_logs',
    drain: await drainIdentity(directory, [forged]),
    out,
    files: [forged],
    outputs: [{ path: `otel_logs/data/${UUID}`, rows: 1 }],
  })
  assert.equal(result.code, 1)
  await target.unchanged()
  await assertUntouched(directory, before)
})

test('a durable journal with no outputs, or with outputs of another drain, never deletes the pending files it names', async (t) => {
  const { root, out } = await copyFixture(t, 'clean')
  const directory = join(root, 'otel_logs')
  const files = await pendingEntries(directory)
  const drain = await drainIdentity(directory, files)
  // No outputs at all: refused outright.
  const empty = await recoverWithJournal(root, out, { version: 3, state: 'durable', table: 'otel_logs', drain, out, files, outputs: [] })
  assert.equal(empty.result.code, 1)
  await assertUntouched(directory, empty.before)

  // Outputs that exist and hold rows, but were written from another drain (a real output of the
  // other table, copied where this journal claims its output is): verification fails, the files stay
  // and are written now; the foreign output is not deleted.
  const other = await copyFixture(t, 'clean')
  const written = await runCli(['recover', '--path', other.root, '--out', other.out, '--table', 'otel_logs', '--json'])
  const foreign = (JSON.parse(written.stdout) as ReplayReport).tables[0]!.outputs[0]!
  const { copyFile, mkdir } = await import('node:fs/promises')
  await mkdir(join(out, 'otel_logs', 'data', foreign.partition), { recursive: true })
  const planted = join(out, foreign.relative)
  await copyFile(foreign.path, planted)
  const forged = await recoverWithJournal(root, out, {
    version: 3,
    state: 'durable',
    table: 'otel_logs',
    drain,
    out,
    files,
    outputs: [{ path: foreign.relative, rows: foreign.rows }],
  })
  assert.equal(forged.result.code, 0, forged.result.stderr)
  assert.equal(forged.table.earlierCommits[0]?.resolution, 'rolled-back')
  assert.match(forged.table.earlierCommits[0].reason ?? '', /another drain/)
  assert.ok((await stat(planted)).isFile(), 'the output of another drain was not deleted')
  // Every pending row was written by this run.
  const { unlink } = await import('node:fs/promises')
  await unlink(planted)
  const rest = await runCli(['recover', '--path', root, '--out', out])
  assert.equal(rest.code, 0, rest.stderr)
  await assertExactlyOnce(root, out, await cleanExpectation())
})

test('a huge, a non-JSON and a foreign journal are refused at once, the table left as it was, the other tables drained', async (t) => {
  const { root, out } = await copyFixture(t, 'clean')
  const directory = join(root, 'otel_logs')
  for (const journal of ['{ not json', JSON.stringify({ version: 1, files: [], outputs: [], quarantine: [] }), `{"version":3,"pad":"${'x'.repeat(40 * 1024 * 1024)}"}`]) {
    await writeFile(join(directory, 'bufctl-commit.json'), journal)
    const before = await snapshot(directory)
    const result = await runCli(['recover', '--path', root, '--out', out, '--json'])
    assert.equal(result.code, 1)
    const report = JSON.parse(result.stdout) as ReplayReport
    assert.deepEqual(report.failed, ['otel_logs'])
    assert.equal(report.tables.find((table) => table.table === 'otel_traces')!.status, report.tables.find((table) => table.table === 'otel_traces')!.rows ? 'done' : 'empty')
    await assertUntouched(directory, before)
    for (const name of await readdir(directory)) if (name.startsWith('bufctl-commit.rejected-')) await (await import('node:fs/promises')).unlink(join(directory, name))
  }
})

test('a journal naming an Iceberg commit is believed only as far as the table agrees: attempt files bufctl does not write, an output root that is not the location, a location the table does not have — nothing removed; a forged journal set aside, one whose table has moved kept for the operator', async (t) => {
  const { root, work } = await copyFixture(t, 'clean')
  const directory = join(root, 'otel_logs')
  const target = await victim(t)
  // A real table in a warehouse directory, made by an earlier run (of other files).
  const earlier = await copyFixture(t, 'clean')
  const warehouse = pathToFileURL(join(work, 'warehouse')).href
  const made = await runCli(['flush', '--path', earlier.root, '--table', 'otel_logs', '--iceberg-catalog', warehouse])
  assert.equal(made.code, 0, made.stderr)
  const location = join(work, 'warehouse', 'otel', 'otel_logs')
  const metadata = JSON.parse(await readFile(join(location, 'metadata', 'v2.metadata.json'), 'utf8')) as { 'table-uuid': string }
  const files = await pendingEntries(directory)
  const journal = async (iceberg: Record<string, unknown>, outRoot: string) => ({
    version: 3,
    state: 'durable',
    table: 'otel_logs',
    drain: await drainIdentity(directory, files),
    out: outRoot,
    files,
    outputs: [{ path: `data/${UUID}`, rows: 1 }],
    iceberg: {
      catalog: warehouse,
      namespace: ['otel'],
      table: 'otel_logs',
      tableUuid: metadata['table-uuid'],
      location: pathToFileURL(location).href,
      commitId: 'a'.repeat(32),
      attempts: [],
      ...iceberg,
    },
  })
  // A file named as bufctl names manifests, in the place a forged location points at.
  const bait = join(target.directory, 'metadata', '0f4c1a2b-3c4d-4e5f-9a0b-1c2d3e4f5a6b-m0.avro')
  await mkdir(dirname(bait))
  await writeFile(bait, "not bufctl's")
  const attempt = (manifest: string) => ({ snapshot: '1234', parent: null, manifest, list: 'metadata/snap-1234-1-0f4c1a2b-3c4d-4e5f-9a0b-1c2d3e4f5a6b.avro' })
  // A journal that cannot be bufctl's is set aside; one whose table has since moved stays for the
  // operator to look at (it may be genuine), and the table waits.
  for (const [forged, setAside] of [
    [await journal({ attempts: [attempt(`metadata/../../../${relative('/', target.path)}`)] }, location), true],
    [await journal({ attempts: [attempt('metadata/passwd.avro')] }, location), true],
    [await journal({}, '/'), true],
    [await journal({ location: pathToFileURL(target.directory).href, attempts: [attempt('metadata/0f4c1a2b-3c4d-4e5f-9a0b-1c2d3e4f5a6b-m0.avro')] }, target.directory), false],
  ] as const) {
    await writeFile(join(directory, 'bufctl-commit.json'), JSON.stringify(forged))
    const before = await snapshot(directory)
    const result = await runCli(['recover', '--path', root, '--table', 'otel_logs', '--iceberg-catalog', warehouse, '--json'])
    assert.notEqual(result.code, 0)
    const table = (JSON.parse(result.stdout) as ReplayReport).tables[0]!
    assert.equal(table.error?.code, 'JOURNAL', result.stdout)
    await target.unchanged()
    if (setAside) await assertUntouched(directory, before)
    else assert.deepEqual(await snapshot(directory), before, 'the journal stays where it was, and so does everything else')
    for (const name of await readdir(directory)) if (name.startsWith('bufctl-commit.rejected-')) await rm(join(directory, name))
  }
  assert.equal(await readFile(bait, 'utf8'), "not bufctl's", 'nothing removed where a forged location points')
})
