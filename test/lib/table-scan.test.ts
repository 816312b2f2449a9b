import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
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
