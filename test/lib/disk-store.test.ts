import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { readFile, writeFile, mkdir, stat } from 'node:fs/promises'
import { RecordBatchReader } from 'apache-arrow'
import { DiskStore } from '../../src/lib/buffer/disk-store.js'
import { CorruptStreamError, LockHeldError, SchemaMismatchError, StoreClosedError } from '../../src/lib/index.js'
import { bytesSource, scanStream } from '../../src/lib/format/index.js'
import { idBatch, idsOf, otherBatch, streamBytes, writeStream } from '../helpers/arrow.js'
import { holdLockElsewhere, listDir, probeLockElsewhere, tempDir } from '../helpers/fs.js'

async function tableDir(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = join(await tempDir(t), 'otel_logs')
  await mkdir(dir)
  return dir
}

async function openStore(t: Parameters<typeof tempDir>[0], dir: string, options = {}): Promise<DiskStore> {
  const store = await DiskStore.open(dir, options)
  t.after(() => store.close())
  return store
}

test('append → drain → commit leaves only .lock in the table directory', async (t) => {
  const dir = await tableDir(t)
  const store = await openStore(t, dir)
  await store.append(idBatch(0, 5))
  await store.append(idBatch(5, 7))
  assert.deepEqual(await listDir(dir), ['.lock', 'active.ipc'])
  const drain = await store.drain()
  assert.equal(drain.rows, 12)
  assert.deepEqual(
    idsOf(drain.batches),
    Array.from({ length: 12 }, (_, i) => i),
  )
  assert.deepEqual(await listDir(dir), ['.lock', 'pending-000001.ipc'])
  await drain.commit()
  assert.deepEqual(await listDir(dir), ['.lock'])
  assert.equal(store.rows(), 0)
  assert.equal(store.isEmpty(), true)
})

test('a sealed pending file is a standard Arrow IPC stream with its end-of-stream marker', async (t) => {
  const dir = await tableDir(t)
  const store = await openStore(t, dir)
  await store.append(idBatch(0, 3))
  await store.append(idBatch(3, 4))
  await store.drain()
  const bytes = await readFile(join(dir, 'pending-000001.ipc'))
  const scan = await scanStream(bytesSource(bytes))
  assert.equal(scan.endOfStream, true)
  assert.equal(scan.damage, undefined)
  const batches = [...RecordBatchReader.from(bytes)]
  assert.deepEqual(idsOf(batches), [0, 1, 2, 3, 4, 5, 6])
  assert.deepEqual(
    batches[0]!.schema.fields.map((f) => f.name),
    ['id', 'message'],
  )
})

test('an uncommitted drain keeps its pending file; the next drain returns it with rows added since', async (t) => {
  const dir = await tableDir(t)
  const store = await openStore(t, dir)
  await store.append(idBatch(0, 2))
  const failed = await store.drain()
  assert.equal(failed.rows, 2)
  await store.append(idBatch(2, 3))
  const retry = await store.drain()
  assert.equal(retry.rows, 5)
  assert.deepEqual(idsOf(retry.batches), [0, 1, 2, 3, 4])
  assert.deepEqual(await listDir(dir), ['.lock', 'pending-000001.ipc', 'pending-000002.ipc'])
  await retry.commit()
  assert.deepEqual(await listDir(dir), ['.lock'])
})

test('close and reopen: pending files are recovered and counted in numeric order', async (t) => {
  const dir = await tableDir(t)
  await writeStream(join(dir, 'pending-1000000.ipc'), [idBatch(300, 3)])
  await writeStream(join(dir, 'pending-999999.ipc'), [idBatch(200, 2)])
  await writeStream(join(dir, 'pending-000010.ipc'), [idBatch(100, 1)])
  const first = await DiskStore.open(dir)
  await first.append(idBatch(400, 4))
  assert.equal(first.rows(), 10)
  await first.close()

  const store = await openStore(t, dir)
  assert.equal(store.rows(), 10)
  assert.deepEqual(
    store.pendingFiles.map((f) => f.name),
    ['pending-000010.ipc', 'pending-999999.ipc', 'pending-1000000.ipc', 'pending-1000001.ipc'],
  )
  const drain = await store.drain()
  assert.deepEqual(idsOf(drain.batches), [100, 200, 201, 300, 301, 302, 400, 401, 402, 403])
})

test('an orphaned active.ipc beside pending-000001..3 is promoted to pending-000004.ipc', async (t) => {
  const dir = await tableDir(t)
  for (let n = 1; n <= 3; n++) await writeStream(join(dir, `pending-00000${n}.ipc`), [idBatch(n * 10, 1)])
  const orphan = await writeStream(join(dir, 'active.ipc'), [idBatch(40, 2)])
  const store = await openStore(t, dir)
  assert.deepEqual(await listDir(dir), ['.lock', 'pending-000001.ipc', 'pending-000002.ipc', 'pending-000003.ipc', 'pending-000004.ipc'])
  assert.deepEqual(new Uint8Array(await readFile(join(dir, 'pending-000004.ipc'))), orphan)
  assert.equal(store.rows(), 5)
  const drain = await store.drain()
  assert.deepEqual(idsOf(drain.batches), [10, 20, 30, 40, 41])
})

for (const where of ['body', 'metadata', 'prefix'] as const) {
  test(`a torn active.ipc cut inside a record-batch ${where} recovers exactly the complete batches`, async (t) => {
    const dir = await tableDir(t)
    const bytes = streamBytes([idBatch(0, 4), idBatch(4, 4), idBatch(8, 4)])
    const scan = await scanStream(bytesSource(bytes))
    const third = scan.messages[3]!
    const cut = where === 'body' ? third.end - 1 : where === 'metadata' ? third.metadataOffset + 3 : third.offset + 5
    await writeFile(join(dir, 'active.ipc'), bytes.subarray(0, cut))
    const store = await openStore(t, dir)
    assert.equal(store.rows(), 8)
    assert.equal(store.pendingFiles[0]!.damagedBytes, cut - third.offset)
    const drain = await store.drain()
    assert.deepEqual(idsOf(drain.batches), [0, 1, 2, 3, 4, 5, 6, 7])
    await drain.commit()
    // The salvaged original is never deleted unwritten: it goes to quarantine/, byte for byte.
    assert.deepEqual(await listDir(dir), ['.lock', 'quarantine'])
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'quarantine', 'pending-000001.ipc'))), bytes.subarray(0, cut))
  })
}

async function schemaOnlyStream(): Promise<Uint8Array> {
  const full = streamBytes([idBatch(0, 1)])
  const scan = await scanStream(bytesSource(full))
  return full.subarray(0, scan.messages[0]!.end)
}

for (const [label, content] of [
  ['0-byte', async () => new Uint8Array(0)],
  ['schema-only', schemaOnlyStream],
] as const) {
  test(`a ${label} active.ipc is handled without error and does not block the table`, async (t) => {
    const dir = await tableDir(t)
    const bytes = await content()
    await writeFile(join(dir, 'active.ipc'), bytes)
    const store = await openStore(t, dir)
    assert.equal(store.rows(), 0)
    assert.deepEqual(await listDir(dir), ['.lock'])
    await store.append(idBatch(0, 2))
    const drain = await store.drain()
    assert.deepEqual(idsOf(drain.batches), [0, 1])
  })
}

test('appending a batch of another schema is rejected and lists both field lists', async (t) => {
  const dir = await tableDir(t)
  const store = await openStore(t, dir)
  await store.append(idBatch(0, 1))
  await assert.rejects(store.append(otherBatch(2)), (error: unknown) => {
    assert.ok(error instanceof SchemaMismatchError)
    assert.match(error.message, /\[id:Int32 not null, message:Utf8\]/)
    assert.match(error.message, /\[other:Utf8\]/)
    assert.equal(error.path, join(dir, 'active.ipc'))
    return true
  })
  assert.equal(store.rows(), 1)
  const drain = await store.drain()
  assert.deepEqual(idsOf(drain.batches), [0])
})

test('a new schema is accepted once the active stream was sealed by a drain', async (t) => {
  const dir = await tableDir(t)
  const store = await openStore(t, dir)
  await store.append(idBatch(0, 1))
  await store.drain()
  await store.append(otherBatch(2))
  const drain = await store.drain()
  assert.equal(drain.rows, 3)
  assert.deepEqual(
    drain.batches.map((b) => b.schema.fields[0]!.name),
    ['id', 'other'],
  )
})

test('sequence numbers only grow across drains, even after every pending file was committed', async (t) => {
  const dir = await tableDir(t)
  const store = await openStore(t, dir)
  for (let round = 1; round <= 3; round++) {
    await store.append(idBatch(round, 1))
    const drain = await store.drain()
    assert.deepEqual(
      store.pendingFiles.map((f) => f.sequence),
      [round],
    )
    await drain.commit()
  }
  const empty = await store.drain()
  assert.equal(empty.rows, 0)
  assert.equal(empty.batches.length, 0)
  await store.append(idBatch(9, 1))
  await store.drain()
  assert.deepEqual(await listDir(dir), ['.lock', 'pending-000004.ipc'])
})

test('files the exporter ignores are left alone by drain and commit', async (t) => {
  const dir = await tableDir(t)
  await writeFile(join(dir, 'notes.txt'), 'keep me')
  await writeFile(join(dir, 'pending-1.ipc.bak'), 'not a pending file name')
  const store = await openStore(t, dir)
  await store.append(idBatch(0, 1))
  const drain = await store.drain()
  await drain.commit()
  assert.deepEqual(await listDir(dir), ['.lock', 'notes.txt', 'pending-1.ipc.bak'])
})

test('metrics report pending files, their bytes and the age of the oldest', async (t) => {
  const dir = await tableDir(t)
  const bytes = await writeStream(join(dir, 'pending-000001.ipc'), [idBatch(0, 3)])
  const store = await openStore(t, dir)
  await store.append(idBatch(3, 2))
  const before = store.metrics()
  assert.equal(before.pendingFiles, 1)
  assert.equal(before.pendingBytes, bytes.byteLength)
  assert.ok(before.oldestPendingAgeSeconds >= 0)
  await store.drain()
  const after = store.metrics()
  assert.equal(after.pendingFiles, 2)
  const sealed = await stat(join(dir, 'pending-000002.ipc'))
  assert.equal(after.pendingBytes, bytes.byteLength + sealed.size)
  assert.equal(store.rows(), 5)
})

test('close leaves the files on disk and releases the lock; a closed store refuses work', async (t) => {
  const dir = await tableDir(t)
  const store = await DiskStore.open(dir)
  await store.append(idBatch(0, 2))
  await store.close()
  assert.deepEqual(await listDir(dir), ['.lock', 'active.ipc'])
  assert.equal(await probeLockElsewhere(join(dir, '.lock')), 0)
  await assert.rejects(store.append(idBatch(2, 1)), StoreClosedError)
  await assert.rejects(store.drain(), StoreClosedError)
  const reopened = await openStore(t, dir)
  assert.equal(reopened.rows(), 2)
})

test('the lock is exclusive: a second open in the same process fails naming the directory', async (t) => {
  const dir = await tableDir(t)
  await openStore(t, dir)
  await assert.rejects(DiskStore.open(dir), (error: unknown) => {
    assert.ok(error instanceof LockHeldError)
    assert.equal(error.path, dir)
    assert.match(error.message, new RegExp(`${dir} is in use`))
    return true
  })
})

test('a lock held by util-linux flock in another process makes open fail until released', async (t) => {
  const dir = await tableDir(t)
  await writeStream(join(dir, 'active.ipc'), [idBatch(0, 1)])
  const holder = await holdLockElsewhere(join(dir, '.lock'))
  t.after(() => holder.release())
  await assert.rejects(DiskStore.open(dir), (error: unknown) => error instanceof LockHeldError && error.directory === dir)
  // The refused open did not run recovery: the active file is untouched.
  assert.deepEqual(await listDir(dir), ['.lock', 'active.ipc'])
  await holder.release()
  const store = await openStore(t, dir)
  assert.equal(store.rows(), 1)
})

test('our lock is seen by util-linux flock from another process', async (t) => {
  const dir = await tableDir(t)
  const store = await DiskStore.open(dir)
  assert.equal(await probeLockElsewhere(join(dir, '.lock')), 1)
  await store.close()
  assert.equal(await probeLockElsewhere(join(dir, '.lock')), 0)
})

test('strict mode refuses a torn pending file and leaves every file in place', async (t) => {
  const dir = await tableDir(t)
  const bytes = streamBytes([idBatch(0, 4), idBatch(4, 4)])
  await writeFile(join(dir, 'pending-000001.ipc'), bytes.subarray(0, bytes.byteLength - 20))
  await writeStream(join(dir, 'pending-000002.ipc'), [idBatch(8, 1)])
  const store = await openStore(t, dir, { damage: 'strict' })
  await assert.rejects(store.drain(), (error: unknown) => error instanceof CorruptStreamError && error.path === join(dir, 'pending-000001.ipc'))
  assert.deepEqual(await listDir(dir), ['.lock', 'pending-000001.ipc', 'pending-000002.ipc'])
})

test('with fsync the store writes and seals the same files', async (t) => {
  const dir = await tableDir(t)
  const store = await openStore(t, dir, { fsync: true })
  await store.append(idBatch(0, 3))
  const drain = await store.drain()
  assert.deepEqual(idsOf(drain.batches), [0, 1, 2])
  await drain.commit()
  assert.deepEqual(await listDir(dir), ['.lock'])
})

test('batches whose dictionaries have other ids than the active stream are appended readably', async (t) => {
  const { Dictionary, Int32, Table, Utf8, makeVector, vectorFromArray } = await import('apache-arrow')
  const batch = (values: string[], first: number) =>
    new Table({
      level: vectorFromArray(values, new Dictionary(new Utf8(), new Int32())),
      id: makeVector(Int32Array.from(values, (_, i) => first + i)),
    }).batches[0]!
  const dir = await tableDir(t)
  const store = await openStore(t, dir)
  await store.append(batch(['info', 'warn'], 0))
  await store.append(batch(['error', 'debug', 'error'], 2))
  const drain = await store.drain()
  assert.deepEqual(
    drain.batches.flatMap((b) => b.toArray().map((row) => `${row.id}:${row.level}`)),
    ['0:info', '1:warn', '2:error', '3:debug', '4:error'],
  )
})
