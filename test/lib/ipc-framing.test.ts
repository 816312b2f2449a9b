import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { writeFile } from 'node:fs/promises'
import { Table, tableFromArrays, tableToIPC } from 'apache-arrow'
import { bytesSource, detectFormat, droppedBytes, scanFile, scanStream, type ByteSource } from '../../src/lib/format/index.js'
import { idBatch, streamBytes } from '../helpers/arrow.js'
import { tempDir } from '../helpers/fs.js'

const threeBatches = () => streamBytes([idBatch(0, 10), idBatch(10, 20), idBatch(30, 5)])

test('a clean stream: messages, rows from metadata, end-of-stream marker', async () => {
  const bytes = threeBatches()
  const scan = await scanStream(bytesSource(bytes))
  assert.deepEqual(
    scan.messages.map((m) => m.kind),
    ['schema', 'recordBatch', 'recordBatch', 'recordBatch'],
  )
  assert.deepEqual(
    scan.messages.map((m) => m.rows),
    [0, 10, 20, 5],
  )
  assert.equal(scan.rows, 35)
  assert.equal(scan.recordBatches, 3)
  assert.equal(scan.endOfStream, true)
  assert.equal(scan.validEnd, bytes.byteLength)
  assert.equal(scan.damage, undefined)
  assert.equal(droppedBytes(scan), 0)
})

test('a stream without end-of-stream marker that ends on a message boundary is not damaged', async () => {
  const bytes = threeBatches()
  const scan = await scanStream(bytesSource(bytes.subarray(0, bytes.byteLength - 8)))
  assert.equal(scan.endOfStream, false)
  assert.equal(scan.damage, undefined)
  assert.equal(scan.rows, 35)
})

test('a cut inside a record-batch body keeps the batches before it and reports the dropped bytes', async () => {
  const bytes = threeBatches()
  const full = await scanStream(bytesSource(bytes))
  const last = full.messages[3]!
  const cut = last.end - 3
  const scan = await scanStream(bytesSource(bytes.subarray(0, cut)))
  assert.equal(scan.rows, 30)
  assert.equal(scan.validEnd, last.offset)
  assert.equal(droppedBytes(scan), cut - last.offset)
  assert.equal(scan.damage?.kind, 'torn')
  assert.match(scan.damage.reason, /body bytes/)
})

test('a cut inside metadata and inside the 8-byte prefix are torn tails too', async () => {
  const bytes = threeBatches()
  const full = await scanStream(bytesSource(bytes))
  const second = full.messages[2]!
  const inMetadata = await scanStream(bytesSource(bytes.subarray(0, second.metadataOffset + 5)))
  assert.equal(inMetadata.rows, 10)
  assert.match(inMetadata.damage!.reason, /metadata bytes/)
  const inPrefix = await scanStream(bytesSource(bytes.subarray(0, second.offset + 6)))
  assert.equal(inPrefix.rows, 10)
  assert.equal(inPrefix.validEnd, second.offset)
  assert.match(inPrefix.damage!.reason, /8-byte message prefix/)
})

test('every truncation offset yields exactly the complete batches before the cut', async () => {
  const bytes = threeBatches()
  const full = await scanStream(bytesSource(bytes))
  for (let cut = 0; cut <= bytes.byteLength; cut++) {
    const scan = await scanStream(bytesSource(bytes.subarray(0, cut)))
    const complete = full.messages.filter((m) => m.end <= cut)
    const expectedRows = complete.reduce((sum, m) => sum + m.rows, 0)
    assert.equal(scan.rows, expectedRows, `rows at cut ${cut}`)
    const expectedEnd = cut === bytes.byteLength ? cut : (complete.at(-1)?.end ?? 0)
    assert.equal(scan.validEnd, expectedEnd, `validEnd at cut ${cut}`)
    assert.equal(droppedBytes(scan), cut - expectedEnd, `dropped at cut ${cut}`)
  }
})

test('an empty source has no messages and no damage', async () => {
  const scan = await scanStream(bytesSource(new Uint8Array(0)))
  assert.equal(scan.messages.length, 0)
  assert.equal(scan.rows, 0)
  assert.equal(scan.damage, undefined)
})

test('a metadata length larger than the file is damage, and nothing past the file is read', async () => {
  const bytes = threeBatches().slice()
  const full = await scanStream(bytesSource(bytes))
  const second = full.messages[2]!
  new DataView(bytes.buffer).setInt32(second.offset + 4, 0x7fff_fff0, true)
  const requested: number[] = []
  const inner = bytesSource(bytes)
  const spy: ByteSource = {
    size: inner.size,
    read: (offset, length) => {
      requested.push(offset + length)
      return inner.read(offset, length)
    },
  }
  const scan = await scanStream(spy)
  assert.equal(scan.rows, 10)
  assert.equal(scan.damage?.kind, 'torn')
  assert.ok(
    requested.every((end) => end <= bytes.byteLength + 8),
    `a read reached past the file: ${Math.max(...requested)}`,
  )
})

test('a negative metadata length and bytes that are not a message are corrupt', async () => {
  const bytes = threeBatches().slice()
  const full = await scanStream(bytesSource(bytes))
  const negative = bytes.slice()
  new DataView(negative.buffer).setInt32(full.messages[1]!.offset + 4, -16, true)
  const scan = await scanStream(bytesSource(negative))
  assert.equal(scan.damage?.kind, 'corrupt')
  assert.match(scan.damage.reason, /negative metadata length/)
  assert.equal(scan.rows, 0)

  const text = new TextEncoder().encode('timestamp,message\n1,hello\n2,world\n')
  const notArrow = await scanStream(bytesSource(text))
  assert.ok(notArrow.damage, 'text must not scan as a stream')
  assert.equal(notArrow.messages.length, 0)
})

test('the IPC file format is told apart from the stream format', async () => {
  const table = new Table([idBatch(0, 3)])
  const file = tableToIPC(table, 'file')
  const stream = tableToIPC(table, 'stream')
  assert.equal(detectFormat(file.subarray(0, 8)), 'file')
  assert.equal(detectFormat(stream.subarray(0, 8)), 'stream')
  assert.equal(detectFormat(new TextEncoder().encode('hello world')), 'unknown')
  const scan = await scanStream(bytesSource(file))
  assert.equal(scan.damage?.kind, 'corrupt')
  assert.match(scan.damage.reason, /file format/)
})

test('dictionary batches are framed with their ids and carry no rows', async () => {
  const table = tableFromArrays({ level: ['info', 'warn', 'info'] })
  const scan = await scanStream(bytesSource(tableToIPC(table, 'stream')))
  const kinds = scan.messages.map((m) => m.kind)
  assert.deepEqual(kinds, ['schema', 'dictionary', 'recordBatch'])
  assert.equal(scan.messages[1]!.dictionaryId >= 0, true)
  assert.equal(scan.rows, 3)
})

test('scanFile reads a file the same way as the bytes, in windows', async (t) => {
  const dir = await tempDir(t)
  const batches = Array.from({ length: 50 }, (_, i) => idBatch(i * 1000, 1000))
  const bytes = streamBytes(batches)
  const path = join(dir, 'big.ipc')
  await writeFile(path, bytes)
  const fromFile = await scanFile(path)
  const fromBytes = await scanStream(bytesSource(bytes))
  assert.equal(bytes.byteLength > 64 * 1024, true, 'the file should span several read windows')
  assert.deepEqual(fromFile, fromBytes)
  assert.equal(fromFile.rows, 50_000)
})
