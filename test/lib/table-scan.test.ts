import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Int32, RecordBatch, makeData } from 'apache-arrow'
import { inspectTable } from '../../src/lib/format/table-scan.js'
import { idBatch, writeStream } from '../helpers/arrow.js'
import { tempDir } from '../helpers/fs.js'

const name = (sequence: number) => `pending-${String(sequence).padStart(6, '0')}.ipc`

test('inspectTable reports files in sequence order, odd entries in order, active apart', async (t) => {
  const root = await tempDir(t)
  const directory = join(root, 'events')
  await mkdir(directory)
  const odd = new Set([7, 30])
  const sequences = Array.from({ length: 60 }, (_, i) => i + 1)
  for (const sequence of sequences) {
    if (odd.has(sequence)) await mkdir(join(directory, name(sequence)))
    // Early files are the largest: the order reported must not depend on how long each takes to read.
    else await writeStream(join(directory, name(sequence)), sequence < 5 ? Array.from({ length: 300 }, (_, i) => idBatch(i * 100, 100)) : [idBatch(sequence, 1)])
  }
  await writeStream(join(directory, 'active.ipc'), [idBatch(0, 3)])
  const inspection = await inspectTable(root, 'events')
  assert.equal(inspection.active?.rows, 3)
  assert.deepEqual(
    inspection.pending.map((file) => file.name),
    sequences.filter((sequence) => !odd.has(sequence)).map(name),
  )
  assert.deepEqual(
    inspection.pending.map((file) => file.rows),
    sequences.filter((sequence) => !odd.has(sequence)).map((sequence) => (sequence < 5 ? 30_000 : 1)),
  )
  assert.deepEqual(
    inspection.odd.map((entry) => entry.name),
    [...odd].map(name),
  )
})

test('inspectTable keeps no scan itself and hands each stream file its scan as it is inspected', async (t) => {
  const root = await tempDir(t)
  const directory = join(root, 'events')
  await mkdir(directory)
  await writeStream(join(directory, name(1)), [idBatch(0, 5), idBatch(5, 7)])
  await writeStream(join(directory, name(2)), [idBatch(12, 1)])
  await writeStream(join(directory, 'active.ipc'), [idBatch(0, 3)])
  await mkdir(join(directory, name(3)))
  const told: { name: string; rows: number; batches: number; size: number; fileBytes: number }[] = []
  const inspection = await inspectTable(root, 'events', {
    onScan: (file, scan) =>
      told.push({ name: file.name, rows: scan.rows, batches: scan.messages.filter((message) => message.kind === 'recordBatch').length, size: scan.size, fileBytes: file.bytes }),
  })
  // The active file first, then pending in sequence; the directory named like a stream file is never scanned.
  assert.deepEqual(
    told.map(({ name, rows, batches }) => ({ name, rows, batches })),
    [
      { name: 'active.ipc', rows: 3, batches: 1 },
      { name: name(1), rows: 12, batches: 2 },
      { name: name(2), rows: 1, batches: 1 },
    ],
  )
  for (const scanned of told) assert.equal(scanned.size, scanned.fileBytes)
  for (const file of [inspection.active!, ...inspection.pending]) assert.equal('scan' in file, false, `${file.name} keeps its scan`)
})

test('inspectTable judges each file by its own schema: files that share a schema share the verdict, the others get their own', async (t) => {
  const root = await tempDir(t)
  const directory = join(root, 'events')
  await mkdir(directory)
  const narrow = () => [new RecordBatch({ id: makeData({ type: new Int32(), length: 1, data: Int32Array.of(1) }) })]
  // idBatch has two columns: wider than the cap below.
  const batches = [narrow, () => [idBatch(0, 2)], narrow, () => [idBatch(5, 1)], narrow]
  for (const [index, make] of batches.entries()) await writeStream(join(directory, name(index + 1)), make())
  const inspection = await inspectTable(root, 'events', { maxColumns: 1 })
  assert.deepEqual(
    inspection.pending.map((file) => file.unsupported?.reason),
    [undefined, 'more than 1 columns (raise the cap with --max-columns)', undefined, 'more than 1 columns (raise the cap with --max-columns)', undefined],
  )
})
