/**
 * The quarantine toolkit as a hostile local user would try it: a quarantine/ replaced by a link to
 * another directory, a file in quarantine/ that is a link, a record deleted so that a salvaged
 * original looks restorable, a name that is not UTF-8, a file swapped between purge's listing and
 * its deletion. Nothing outside the spill root may be touched, no row written twice.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'
import { victim } from '../helpers/hostile.js'
import { writeStream } from '../helpers/arrow.js'
import { outputIds } from '../helpers/spill.js'
import { exporterBatch } from '../fixtures/exporter-data.js'
import type { QuarantinedFile } from '../../src/lib/quarantine/index.js'

/** A spill root whose otel_logs table has an empty pending file (recover quarantines it) and a torn one (salvaged: its rows written). */
async function quarantined(t: Parameters<typeof tempDir>[0]): Promise<{ root: string; out: string; table: string }> {
  const root = await tempDir(t)
  const out = await tempDir(t)
  const table = join(root, 'otel_logs')
  await mkdir(table)
  await writeStream(join(table, 'pending-000001.ipc'), [exporterBatch('otel_logs', 0, 10)])
  await writeFile(join(table, 'pending-000002.ipc'), '')
  const { encodeBatch } = await import('../../src/lib/format/index.js')
  const { schemaMessage, dataMessages } = await encodeBatch(exporterBatch('otel_logs', 100, 4))
  await writeFile(join(table, 'pending-000003.ipc'), Buffer.concat([schemaMessage, dataMessages, dataMessages.subarray(0, 40)]))
  const recovered = await runCli(['recover', '--path', root, '--out', out])
  assert.equal(recovered.code, 0, recovered.stderr)
  assert.deepEqual((await readdir(join(table, 'quarantine'))).sort(), [
    'pending-000002.ipc',
    'pending-000002.ipc.reason.json',
    'pending-000003.ipc',
    'pending-000003.ipc.reason.json',
  ])
  return { root, out, table }
}

test('a quarantine/ that is a link to another directory: list, restore and purge touch nothing there (exit 2)', async (t) => {
  const { root, table } = await quarantined(t)
  const target = await victim(t, 'pending-000009.ipc')
  await writeFile(
    join(target.directory, 'pending-000009.ipc.reason.json'),
    JSON.stringify({ reason: 'planted', from: 'x', movedAt: new Date(0).toISOString(), bytes: 512, written: false }),
  )
  await rm(join(table, 'quarantine'), { recursive: true })
  await symlink(target.directory, join(table, 'quarantine'))
  for (const args of [
    ['quarantine', 'list', '--path', root],
    ['quarantine', 'purge', '--path', root, '--yes'],
    ['quarantine', 'restore', 'otel_logs', 'pending-000009.ipc', '--path', root],
    ['quarantine', 'restore', 'otel_logs', 'pending-000009.ipc', '--path', root, '--force'],
  ]) {
    const result = await runCli(args)
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
    assert.match(result.stderr, /quarantine is not a directory but a link or a file/)
  }
  await target.unchanged()
  assert.deepEqual((await readdir(target.directory)).sort(), ['pending-000009.ipc', 'pending-000009.ipc.reason.json'])
  assert.ok(!(await readdir(table)).includes('pending-000001.ipc'), 'nothing was moved into the table')
  // status counts nothing through the link either.
  const status = JSON.parse((await runCli(['status', '--path', root, '--json'])).stdout) as { tables: { quarantinedFiles: number }[] }
  assert.equal(status.tables[0]!.quarantinedFiles, 0)
})

test('links inside quarantine/ are listed as not files, never restored, and purge removes the link, not what it points at', async (t) => {
  const { root, table } = await quarantined(t)
  const target = await victim(t)
  await symlink(target.path, join(table, 'quarantine', 'pending-000005.ipc'))
  await writeFile(
    join(table, 'quarantine', 'pending-000005.ipc.reason.json'),
    JSON.stringify({ reason: 'x', from: 'x', movedAt: new Date().toISOString(), bytes: 1, written: false }),
  )
  const { files } = JSON.parse((await runCli(['quarantine', 'list', '--path', root, '--json'])).stdout) as { files: QuarantinedFile[] }
  const link = files.find((file) => file.file === 'pending-000005.ipc')!
  assert.equal(link.verdict, 'not-a-file')
  assert.equal(link.restorable, false)
  const restore = await runCli(['quarantine', 'restore', 'otel_logs', 'pending-000005.ipc', '--path', root, '--force'])
  assert.equal(restore.code, 2)
  assert.match(restore.stderr, /not a regular file/)
  const purged = await runCli(['quarantine', 'purge', '--path', root, '--yes'])
  assert.equal(purged.code, 0, purged.stderr)
  await target.unchanged()
  assert.deepEqual(await readdir(join(table, 'quarantine')), [])
})

test('a salvaged original whose reason record is gone is not restorable: its rows stay written once; --force warns', async (t) => {
  const { root, out, table } = await quarantined(t)
  await rm(join(table, 'quarantine', 'pending-000003.ipc.reason.json'))
  const { files } = JSON.parse((await runCli(['quarantine', 'list', '--path', root, '--json'])).stdout) as { files: QuarantinedFile[] }
  const salvaged = files.find((file) => file.file === 'pending-000003.ipc')!
  assert.equal(salvaged.restorable, false)
  assert.match(salvaged.refusal ?? '', /no reason record: whether its rows were written already is unknown/)
  const human = await runCli(['quarantine', 'list', '--path', root])
  assert.match(human.stdout, /pending-000003\.ipc.*no \(past unknown\)/)
  const refused = await runCli(['quarantine', 'restore', 'otel_logs', 'pending-000003.ipc', '--path', root])
  assert.equal(refused.code, 2)
  assert.match(refused.stderr, /whether its rows were written already is unknown \(--force restores it anyway\)/)
  assert.equal((await runCli(['recover', '--path', root, '--out', out])).code, 0)
  const ids = await outputIds(out, ['otel_logs'])
  assert.deepEqual(ids.otel_logs, [...Array.from({ length: 10 }, (_, i) => i), 100, 101, 102, 103], 'rows 0–9 and the salvaged rows 100–103, each once')

  // A record that is not JSON counts as none.
  await writeFile(join(table, 'quarantine', 'pending-000003.ipc.reason.json'), '{"reason": ')
  assert.equal((await runCli(['quarantine', 'restore', 'otel_logs', 'pending-000003.ipc', '--path', root])).code, 2)

  const forced = await runCli(['quarantine', 'restore', 'otel_logs', 'pending-000003.ipc', '--path', root, '--force', '--json'])
  assert.equal(forced.code, 0, forced.stderr)
  assert.match(forced.stderr, /Warning: restored with --force although/)
  assert.match((JSON.parse(forced.stdout) as { forced: string }).forced, /cannot be read|not one bufctl writes/)
})

test('names that are not UTF-8 are listed escaped, purged and restored by that name; the rest of the root still works', async (t) => {
  const { root, out, table } = await quarantined(t)
  const raw = Buffer.concat([Buffer.from('pending-0000'), Buffer.from([0xff, 0xfe]), Buffer.from('.ipc')])
  const { writeFileSync } = await import('node:fs')
  const quarantine = Buffer.from(join(table, 'quarantine') + '/')
  const spare = join(await tempDir(t), 'spare.ipc')
  await writeStream(spare, [exporterBatch('otel_logs', 200, 3)])
  writeFileSync(Buffer.concat([quarantine, raw]), await (await import('node:fs/promises')).readFile(spare))
  writeFileSync(
    Buffer.concat([quarantine, raw, Buffer.from('.reason.json')]),
    JSON.stringify({ reason: 'odd name', from: 'x', movedAt: new Date().toISOString(), bytes: 1, written: false }),
  )
  const listed = await runCli(['quarantine', 'list', '--path', root, '--json'])
  assert.equal(listed.code, 0, listed.stderr)
  const { files } = JSON.parse(listed.stdout) as { files: QuarantinedFile[] }
  const odd = files.find((file) => file.file.includes('\\xff'))!
  assert.equal(odd.file, 'pending-0000\\xff\\xfe.ipc')
  assert.equal(odd.rows, 3)
  assert.equal(odd.restorable, true)
  const restored = await runCli(['quarantine', 'restore', 'otel_logs', odd.file, '--path', root])
  assert.equal(restored.code, 0, restored.stderr)
  assert.equal((await runCli(['recover', '--path', root, '--out', out])).code, 0)
  assert.deepEqual((await outputIds(out, ['otel_logs'])).otel_logs, [...Array.from({ length: 10 }, (_, i) => i), 100, 101, 102, 103, 200, 201, 202])

  writeFileSync(Buffer.concat([quarantine, raw]), 'junk')
  const purged = await runCli(['quarantine', 'purge', '--path', root, '--yes', '--json'])
  assert.equal(purged.code, 0, purged.stderr)
  assert.deepEqual(await readdir(join(table, 'quarantine')), [])
})

test('purge deletes only what it listed: a file put in a listed name meanwhile stays', async (t) => {
  const { root, table } = await quarantined(t)
  const { purgeQuarantine } = await import('../../src/lib/quarantine/index.js')
  const quarantine = join(table, 'quarantine')
  const result = await purgeQuarantine(root, {
    confirm: async () => {
      // Between the listing and the deletion, another file takes a listed name.
      await rename(join(quarantine, 'pending-000002.ipc'), join(quarantine, 'elsewhere'))
      await writeFile(join(quarantine, 'pending-000002.ipc'), 'newcomer')
      return true
    },
  })
  assert.deepEqual(
    result.removed.map((file) => file.file),
    ['pending-000003.ipc'],
  )
  assert.deepEqual(
    result.changed.map((file) => file.file),
    ['pending-000002.ipc'],
  )
  assert.deepEqual((await readdir(quarantine)).sort(), ['elsewhere', 'pending-000002.ipc', 'pending-000002.ipc.reason.json'])
})
