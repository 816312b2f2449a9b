/**
 * Exactly once where operators actually slip: a relative --out and a re-run from elsewhere or into
 * another --out, --keep then new data, a changed --target-file-size after a crash, a wrong --out,
 * a dry run that must predict the real run. Every check reads the Parquet with hyparquet.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Table, tableToIPC } from 'apache-arrow'
import { runCli } from '../helpers/cli.js'
import { assertExactlyOnce, copyFixture, expandIds, expectedOf, filesUnder, outputIds, snapshot } from '../helpers/spill.js'
import { EXPORTER_TABLES, exporterBatch } from '../fixtures/exporter-data.js'
import type { ReplayReport } from '../../src/lib/replay/index.js'
import type { StatusReport } from '../../src/lib/inspect/index.js'

const TABLES = EXPORTER_TABLES

async function cleanExpectation(extraLogs: number[] = []): Promise<Record<string, number[]>> {
  const clean = await expectedOf('clean')
  const expected = Object.fromEntries(TABLES.map((table) => [table, expandIds(clean.ids[table]!)]))
  expected.otel_logs = [...expected.otel_logs!, ...extraLogs].sort((a, b) => a - b)
  return expected
}

/** Ingests otel_logs rows first..first+rows-1 into the root (as the exporter would append them). */
async function ingestMore(root: string, work: string, first: number, rows: number): Promise<number[]> {
  const file = join(work, `more-${first}.arrows`)
  await writeFile(file, tableToIPC(new Table([exporterBatch('otel_logs', first, rows)]), 'stream'))
  const result = await runCli(['ingest', 'otel_logs', file, '--path', root])
  assert.equal(result.code, 0, result.stderr)
  return Array.from({ length: rows }, (_, i) => first + i)
}

for (const point of ['journal-written', 'outputs-written', 'journal-durable']) {
  test(`relative --out, killed at ${point}, more rows, re-run from another directory with the absolute path: exactly once`, async (t) => {
    const { root, work } = await copyFixture(t, 'clean')
    const killed = await runCli(['recover', '--path', 'spill', '--out', 'out'], { cwd: work, env: { BUFCTL_CRASH_AT: point } })
    assert.equal(killed.code, -1, 'the process died by SIGKILL')
    const more = await ingestMore(root, work, 5000, 40)
    const elsewhere = join(work, 'elsewhere')
    await mkdir(elsewhere)
    const again = await runCli(['recover', '--path', root, '--out', join(work, 'out'), '--json'], { cwd: elsewhere })
    assert.equal(again.code, 0, again.stderr)
    await assertExactlyOnce(root, join(work, 'out'), await cleanExpectation(more))
  })
}

test('killed after the commit was durable, re-run with another --out: the commit is finished where it was written, the new rows go to the new --out, each row once', async (t) => {
  const { root, work } = await copyFixture(t, 'clean')
  const first = join(work, 'first')
  const killed = await runCli(['recover', '--path', root, '--out', first], { env: { BUFCTL_CRASH_AT: 'journal-durable' } })
  assert.equal(killed.code, -1)
  const status = await runCli(['status', '--path', root, '--json'])
  assert.equal(status.code, 1, 'status alerts on the interrupted commit')
  const report = JSON.parse(status.stdout) as StatusReport
  assert.ok(report.interrupted.length > 0)
  const human = await runCli(['status', '--path', root])
  assert.match(human.stderr, /Interrupted commit: .*run bufctl recover before starting the exporter/)
  const second = join(work, 'second')
  const again = await runCli(['recover', '--path', root, '--out', second, '--json'])
  assert.equal(again.code, 0, again.stderr)
  const replayed = JSON.parse(again.stdout) as ReplayReport
  const logs = replayed.tables.find((table) => table.table === 'otel_logs')!
  assert.deepEqual(
    logs.earlierCommits.map((commit) => [commit.resolution, commit.out]),
    [['rolled-forward', first]],
    'the interrupted commit is finished against its own output root, and the report says where',
  )
  // New rows after that go where the new run writes.
  const more = await ingestMore(root, work, 7000, 25)
  assert.equal((await runCli(['recover', '--path', root, '--out', second])).code, 0)
  const expected = await cleanExpectation(more)
  const [inFirst, inSecond] = [await outputIds(first, TABLES), await outputIds(second, TABLES)]
  for (const table of TABLES) {
    const all = [...inFirst[table]!, ...inSecond[table]!].sort((a, b) => a - b)
    assert.deepEqual(all, expected[table], `${table}: every row once across both output roots`)
  }
  assert.equal((JSON.parse((await runCli(['status', '--path', root, '--json'])).stdout) as StatusReport).interrupted.length, 0)
})

test('--keep, then new rows, then recover: the kept rows are not written again', async (t) => {
  const { root, out, work } = await copyFixture(t, 'clean')
  const kept = await runCli(['recover', '--path', root, '--out', out, '--keep'])
  assert.equal(kept.code, 0, kept.stderr)
  const status = JSON.parse((await runCli(['status', '--path', root, '--json'])).stdout) as StatusReport
  assert.equal(status.tables.find((table) => table.table === 'otel_logs')!.keptFiles, 2)
  const more = await ingestMore(root, work, 5000, 40)
  // A second --keep run leaves the kept files alone and writes only the new ones.
  const keptAgain = await runCli(['recover', '--path', root, '--out', out, '--keep', '--target-file-size', '4KiB'])
  assert.equal(keptAgain.code, 0, keptAgain.stderr)
  const recovered = await runCli(['recover', '--path', root, '--out', out, '--target-file-size', '1MiB', '--json'])
  assert.equal(recovered.code, 0, recovered.stderr)
  const report = JSON.parse(recovered.stdout) as ReplayReport
  assert.equal(report.rows, 0, 'nothing written again')
  assert.ok(report.tables.find((table) => table.table === 'otel_logs')!.earlierCommits.every((commit) => commit.resolution === 'rolled-forward'))
  await assertExactlyOnce(root, out, await cleanExpectation(more))
})

test('--keep, then the outputs deleted, then recover: the rows are written again (the ledger is checked against the outputs)', async (t) => {
  const { root, out } = await copyFixture(t, 'clean')
  assert.equal((await runCli(['recover', '--path', root, '--out', out, '--keep'])).code, 0)
  const { rm } = await import('node:fs/promises')
  await rm(out, { recursive: true })
  const recovered = await runCli(['recover', '--path', root, '--out', out])
  assert.equal(recovered.code, 0, recovered.stderr)
  await assertExactlyOnce(root, out, await cleanExpectation())
})

for (const point of ['outputs-written', 'journal-durable']) {
  test(`killed at ${point}, then --target-file-size changed, then re-run: exactly once`, async (t) => {
    const { root, out } = await copyFixture(t, 'crashed')
    const killed = await runCli(['recover', '--path', root, '--out', out, '--target-file-size', '8KiB'], { env: { BUFCTL_CRASH_AT: point } })
    assert.equal(killed.code, -1)
    const again = await runCli(['recover', '--path', root, '--out', out, '--target-file-size', '64MiB'])
    assert.equal(again.code, 0, again.stderr)
    const expected = await expectedOf('crashed')
    await assertExactlyOnce(root, out, Object.fromEntries(TABLES.map((table) => [table, expandIds(expected.ids[table]!)])))
  })
}

test('a wrong --out (a file, or under one) is refused before any table is touched: exit 2, the root unchanged, a correct run then works', async (t) => {
  const { root, out, work } = await copyFixture(t, 'crashed')
  const before = await snapshot(root)
  const file = join(work, 'a-file')
  await writeFile(file, 'not a directory')
  for (const wrong of [file, join(file, 'below')]) {
    for (const args of [['recover'], ['flush'], ['recover', '--dry-run']]) {
      const result = await runCli([...args, '--path', root, '--out', wrong, '--json'])
      assert.equal(result.code, 2, `${args.join(' ')} --out ${wrong}: ${result.stderr}`)
      const document = JSON.parse(result.stdout) as { error: { code: string; hint: string } }
      assert.equal(document.error.code, 'OUTPUT_ROOT')
      assert.match(document.error.hint, /nothing in the spill root was changed/)
    }
  }
  assert.deepEqual(await snapshot(root), before, 'nothing promoted, no journal')
  const right = await runCli(['recover', '--path', root, '--out', out])
  assert.equal(right.code, 0, right.stderr)
})

test('--dry-run names exactly the files the real run writes, and fails a table the real run would fail', async (t) => {
  const { root, out } = await copyFixture(t, 'crashed')
  const dry = await runCli(['recover', '--path', root, '--out', out, '--dry-run', '--json'])
  assert.equal(dry.code, 0, dry.stderr)
  const real = await runCli(['recover', '--path', root, '--out', out, '--json'])
  assert.equal(real.code, 0, real.stderr)
  const paths = (result: string) => (JSON.parse(result) as ReplayReport).tables.flatMap((table) => table.outputs.map((output) => `${output.path} ${output.rows}`)).sort()
  assert.deepEqual(paths(dry.stdout), paths(real.stdout))
  assert.deepEqual(
    paths(dry.stdout).map((line) => line.split(' ')[0]),
    await filesUnder(out, '.parquet'),
  )

  const custom = await copyFixture(t, 'general')
  for (const args of [['--dry-run'], []]) {
    const result = await runCli(['recover', '--path', custom.root, '--out', custom.out, '--partition-by', 'no_such_column', '--json', ...args])
    assert.equal(result.code, 1, `${args.join(' ') || 'real run'}: ${result.stderr}`)
    const report = JSON.parse(result.stdout) as ReplayReport
    assert.deepEqual([...report.failed].sort(), ['app_gauge', 'app_logs'])
    assert.match(report.tables[0]!.error!.message, /no column no_such_column/)
  }
})

test('status: an unknown --table and a table directory given as --path exit 2 with a hint that fits', async (t) => {
  const { root } = await copyFixture(t, 'clean')
  const unknown = await runCli(['status', '--path', root, '--table', 'nosuchtable', '--json'])
  assert.equal(unknown.code, 2)
  const document = JSON.parse(unknown.stdout) as { error: { code: string; hint: string } }
  assert.equal(document.error.code, 'TABLE_NOT_FOUND')
  assert.match(document.error.hint, /otel_logs/)
  const tableDir = await runCli(['status', '--path', join(root, 'otel_logs')])
  assert.equal(tableDir.code, 2)
  assert.match(tableDir.stderr, /is a table directory, not a spill root/)
  assert.ok(tableDir.stderr.includes(`--path ${root}`), tableDir.stderr)
})

test('the exporter never sees the files of an interrupted commit: they are held under names it ignores until bufctl finishes or undoes it', async (t) => {
  for (const point of ['journal-written', 'journal-durable']) {
    const { root, out } = await copyFixture(t, 'clean')
    const killed = await runCli(['recover', '--path', root, '--out', out, '--table', 'otel_logs'], { env: { BUFCTL_CRASH_AT: point } })
    assert.equal(killed.code, -1)
    const names = await readdir(join(root, 'otel_logs'))
    // The exporter's own rule for what it reads (internal/buffer/disk_store.go): active.ipc and pending-<digits>.ipc.
    assert.deepEqual(
      names.filter((name) => name === 'active.ipc' || /^pending-\d+\.ipc$/.test(name)),
      [],
      `${point}: nothing the exporter would flush again`,
    )
    assert.deepEqual(names.filter((name) => name.startsWith('bufctl-held-')).sort(), ['bufctl-held-pending-000001.ipc', 'bufctl-held-pending-000002.ipc'])
    const again = await runCli(['recover', '--path', root, '--out', out])
    assert.equal(again.code, 0, again.stderr)
    await assertExactlyOnce(root, out, await cleanExpectation())
  }
})
