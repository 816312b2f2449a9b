/**
 * The quarantine round trip, as an operator takes it: recover sets a file aside, list shows why,
 * the operator fixes it, restore puts it back, recover writes its rows — once. And what must stay:
 * a salvaged original (its rows written already), a file recover would set aside again, a file
 * while the exporter holds the lock. purge asks, or needs --yes.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { copyFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { holdLockElsewhere, tempDir } from '../helpers/fs.js'
import { writeStream } from '../helpers/arrow.js'
import { outputIds } from '../helpers/spill.js'
import { exporterBatch } from '../fixtures/exporter-data.js'
import type { QuarantinedFile, RestoredFile } from '../../src/lib/quarantine/index.js'

async function spill(t: Parameters<typeof tempDir>[0]): Promise<{ root: string; out: string; table: string; spare: string }> {
  const root = await tempDir(t)
  const out = await tempDir(t)
  const table = join(root, 'otel_logs')
  const { mkdir } = await import('node:fs/promises')
  await mkdir(table)
  await writeFile(join(table, '.lock'), '')
  await writeStream(join(table, 'pending-000001.ipc'), [exporterBatch('otel_logs', 0, 10)])
  // The exporter died as it created this one: 0 bytes. Its real content survives elsewhere.
  await writeFile(join(table, 'pending-000002.ipc'), '')
  const spare = join(await tempDir(t), 'pending-000002.ipc')
  await writeStream(spare, [exporterBatch('otel_logs', 10, 5)])
  return { root, out, table, spare }
}

test('recover quarantines, list says why, the fixed file is restored and recovered: its rows once', async (t) => {
  const { root, out, table, spare } = await spill(t)
  assert.equal((await runCli(['recover', '--path', root, '--out', out])).code, 0)

  const listed = await runCli(['quarantine', 'list', '--path', root, '--json'])
  assert.equal(listed.code, 0, listed.stderr)
  const { files } = JSON.parse(listed.stdout) as { files: QuarantinedFile[] }
  assert.equal(files.length, 1)
  assert.equal(files[0]!.file, 'pending-000002.ipc')
  assert.match(files[0]!.reason, /empty file/)
  assert.equal(files[0]!.written, false)
  const human = await runCli(['quarantine', 'list', '--path', root])
  assert.match(human.stdout, /pending-000002\.ipc.*no \(unreadable\).*empty file/)

  // Still empty: recover would set it aside again.
  const refused = await runCli(['quarantine', 'restore', 'otel_logs', 'pending-000002.ipc', '--path', root])
  assert.equal(refused.code, 2)
  assert.match(refused.stderr, /stays in quarantine: recover would quarantine it again: empty file/)

  // Fixed from the copy; while the exporter holds the table's lock, nothing moves.
  await copyFile(spare, join(table, 'quarantine', 'pending-000002.ipc'))
  const held = await holdLockElsewhere(join(table, '.lock'))
  try {
    const busy = await runCli(['quarantine', 'restore', 'otel_logs', 'pending-000002.ipc', '--path', root])
    assert.equal(busy.code, 75, busy.stderr)
  } finally {
    await held.release()
  }
  const restored = await runCli(['quarantine', 'restore', 'otel_logs', 'pending-000002.ipc', '--path', root, '--json'])
  assert.equal(restored.code, 0, restored.stderr)
  const result = JSON.parse(restored.stdout) as RestoredFile
  assert.equal(result.rows, 5)
  assert.ok((await readdir(table)).includes(result.to))
  assert.deepEqual(await readdir(join(table, 'quarantine')), [], 'the file and its reason record left quarantine/')

  assert.equal((await runCli(['recover', '--path', root, '--out', out])).code, 0)
  const ids = await outputIds(out, ['otel_logs'])
  assert.deepEqual(
    ids.otel_logs,
    Array.from({ length: 15 }, (_, i) => i),
    'rows 0–14, each once',
  )
})

test('a salvaged original (its rows written already) is never restored', async (t) => {
  const { root, out, table } = await spill(t)
  const { encodeBatch } = await import('../../src/lib/format/index.js')
  const { schemaMessage, dataMessages } = await encodeBatch(exporterBatch('otel_logs', 100, 4))
  await writeFile(join(table, 'pending-000003.ipc'), Buffer.concat([schemaMessage, dataMessages, dataMessages.subarray(0, 40)]))
  assert.equal((await runCli(['recover', '--path', root, '--out', out])).code, 0)
  const { files } = JSON.parse((await runCli(['quarantine', 'list', '--path', root, '--json'])).stdout) as { files: QuarantinedFile[] }
  const salvaged = files.find((file) => file.file === 'pending-000003.ipc')!
  assert.equal(salvaged.written, true)
  const refused = await runCli(['quarantine', 'restore', 'otel_logs', 'pending-000003.ipc', '--path', root])
  assert.equal(refused.code, 2)
  assert.match(refused.stderr, /written to Parquet when it was quarantined; restoring it would write those rows twice/)
  const missing = await runCli(['quarantine', 'restore', 'otel_logs', 'nope.ipc', '--path', root])
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /no such file in quarantine/)
})

test('purge needs --yes without a terminal, honours --older-than and --dry-run', async (t) => {
  const { root, out, table } = await spill(t)
  assert.equal((await runCli(['recover', '--path', root, '--out', out])).code, 0)
  const refused = await runCli(['quarantine', 'purge', '--path', root])
  assert.equal(refused.code, 2)
  assert.match(refused.stderr, /pass --yes/)
  const young = await runCli(['quarantine', 'purge', '--path', root, '--older-than', '1d', '--yes'])
  assert.equal(young.code, 0, young.stderr)
  assert.match(young.stdout, /nothing to purge/)
  const dry = await runCli(['quarantine', 'purge', '--path', root, '--dry-run'])
  assert.match(dry.stdout, /would delete otel_logs\/quarantine\/pending-000002\.ipc/)
  assert.equal((await readdir(join(table, 'quarantine'))).length, 2)
  const purged = await runCli(['quarantine', 'purge', '--path', root, '--yes', '--json'])
  assert.equal(purged.code, 0, purged.stderr)
  assert.equal((JSON.parse(purged.stdout) as { removed: QuarantinedFile[] }).removed.length, 1)
  assert.deepEqual(await readdir(join(table, 'quarantine')), [])
})
