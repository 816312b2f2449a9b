import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Table, tableToIPC } from 'apache-arrow'
import { replay, type ReplayReport } from '../../src/lib/replay/index.js'
import { status } from '../../src/lib/inspect/status.js'
import { bytesSource, scanStream, type StreamScan } from '../../src/lib/format/index.js'
import { generalBatch } from '../fixtures/general-data.js'
import { tempDir } from '../helpers/fs.js'
import { readParquetRows } from '../helpers/spill.js'
import { rounds, seededRandom } from '../helpers/random.js'
import { mutate } from '../helpers/mutations.js'
import { runCli } from '../helpers/cli.js'

/** A logs stream of three batches (10, 12, 8 rows): ids 0..29. */
const BATCH_ROWS = [10, 12, 8]
const WRITTEN = BATCH_ROWS.reduce((a, b) => a + b, 0)
function sampleStream(): Uint8Array {
  let first = 0
  return tableToIPC(new Table(BATCH_ROWS.map((rows) => generalBatch('app_logs', (first += rows) - rows, rows))), 'stream')
}

/** Fails the test if `work` does not settle in time: damage must never hang. */
async function withinSeconds<T>(seconds: number, label: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${label}: no answer within ${seconds} s`)), seconds * 1000)))
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Recovers a root whose only table holds `bytes` as its single pending file. */
async function recoverBytes(dir: string, bytes: Uint8Array, label: string): Promise<{ report: ReplayReport; root: string; out: string }> {
  await rm(dir, { recursive: true, force: true })
  const root = join(dir, 'spill')
  const out = join(dir, 'out')
  await mkdir(join(root, 'otel_logs'), { recursive: true })
  await writeFile(join(root, 'otel_logs', 'pending-000001.ipc'), bytes)
  const report = await withinSeconds(5, label, replay({ mode: 'recover', root, out }))
  return { report, root, out }
}

/** Complete record batches before `cut`: their rows and the end of the last complete message. */
function completeBefore(scan: StreamScan, cut: number): { rows: number; validEnd: number } {
  const complete = scan.messages.filter((message) => message.end <= cut)
  return { rows: complete.reduce((sum, m) => sum + m.rows, 0), validEnd: complete.at(-1)?.end ?? 0 }
}

test('truncation sweep: recover keeps exactly the complete batches before every cut and reports the dropped bytes', async (t) => {
  const bytes = sampleStream()
  const scan = await scanStream(bytesSource(bytes))
  const boundaries = scan.messages.flatMap((m) => [m.offset - 1, m.offset, m.offset + 1, m.metadataOffset + 1, m.end - 1, m.end, m.end + 1])
  const budget = rounds('TRUNCATION_CUTS', bytes.byteLength + 1, 1000)
  const random = seededRandom(7)
  const cuts = new Set(boundaries.filter((cut) => cut >= 0 && cut <= bytes.byteLength))
  if (budget > bytes.byteLength) for (let cut = 0; cut <= bytes.byteLength; cut++) cuts.add(cut)
  while (cuts.size < Math.min(budget, bytes.byteLength + 1)) cuts.add(Math.floor(random() * (bytes.byteLength + 1)))
  const dir = await tempDir(t)
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    const { report, root } = await recoverBytes(dir, bytes.subarray(0, cut), `cut at ${cut}`)
    const table = report.tables[0]!
    // The whole file keeps its end-of-stream marker too; a cut inside that marker loses no batch.
    const expected =
      cut === bytes.byteLength ? { ...completeBefore(scan, cut), validEnd: cut } : cut >= bytes.byteLength - 8 ? completeBefore(scan, bytes.byteLength) : completeBefore(scan, cut)
    assert.equal(table.status === 'failed', false, `cut ${cut}: ${table.error?.message}`)
    assert.equal(table.rows, expected.rows, `cut ${cut}: rows`)
    const dropped = table.salvaged.reduce((sum, note) => sum + note.droppedBytes, 0)
    const quarantined = table.quarantined.length > 0
    if (expected.rows === 0) {
      assert.ok(quarantined, `cut ${cut}: a file without a complete batch goes to quarantine`)
      const kept = await readFile(join(root, 'otel_logs', 'quarantine', 'pending-000001.ipc'))
      assert.equal(kept.byteLength, cut, `cut ${cut}: quarantined as it was`)
    } else {
      assert.equal(dropped, Math.max(0, cut - expected.validEnd), `cut ${cut}: dropped bytes`)
    }
  }
  t.diagnostic(`${cuts.size} cuts of a ${bytes.byteLength}-byte stream`)
})

test('corruption fuzz: salvage or quarantine with a report, never more rows than written, damaged input never deleted', async (t) => {
  const seed = Number(process.env.FUZZ_SEED ?? 424242)
  const random = seededRandom(seed)
  const original = sampleStream()
  const scan = await scanStream(bytesSource(original))
  const dir = await tempDir(t)
  const total = rounds('FUZZ_CASES', 3000, 2000)
  const outcomes = { clean: 0, salvaged: 0, quarantined: 0, failed: 0 }
  const failures: string[] = []
  for (let round = 0; round < total; round++) {
    const { label, bytes } = mutate(original, scan, random)
    const context = `seed ${seed} case ${round} (${label})`
    const { report, root, out } = await recoverBytes(dir, bytes, context)
    const table = report.tables[0]!
    assert.ok(table.rows <= WRITTEN, `${context}: ${table.rows} rows from ${WRITTEN} written`)
    const directory = join(root, 'otel_logs')
    const names = await readdir(directory)
    const quarantine = names.includes('quarantine') ? (await readdir(join(directory, 'quarantine'))).filter((name) => !name.endsWith('.reason.json')) : []
    if (table.status === 'failed') {
      outcomes.failed++
      if (failures.length < 5) failures.push(`${context}: ${table.error?.message}`)
      assert.ok(table.error?.message && table.error.hint, `${context}: a failure is reported with a hint`)
      assert.ok(names.includes('pending-000001.ipc') || quarantine.length > 0, `${context}: the input was kept`)
      continue
    }
    if (table.salvaged.length > 0 || table.quarantined.length > 0) {
      if (table.salvaged.length > 0) outcomes.salvaged++
      else outcomes.quarantined++
      assert.equal(quarantine.length, 1, `${context}: the damaged input is kept in quarantine`)
      assert.deepEqual(new Uint8Array(await readFile(join(directory, 'quarantine', quarantine[0]!))), bytes, `${context}: byte for byte`)
      for (const note of [...table.salvaged, ...table.quarantined]) assert.ok(note.reason.length > 0, `${context}: a reason is given`)
    } else {
      outcomes.clean++
      // Undetectable damage (a value changed inside a body) must still yield all the rows.
      assert.equal(table.rows, WRITTEN, `${context}: rows lost without a report`)
    }
    if (table.rows > 0) {
      // Values may differ (a flipped bit inside a string is undetectable), the row count may not.
      assert.equal((await readParquetRows(join(out, 'otel_logs'))).length, table.rows, `${context}: the report matches the output`)
    }
  }
  t.diagnostic(`${total} mutations (seed ${seed}): ${JSON.stringify(outcomes)}`)
  for (const failure of failures) t.diagnostic(`reported failure: ${failure}`)
  assert.ok(outcomes.salvaged > 0 && outcomes.quarantined > 0, 'the fuzz reached both salvage and quarantine')
})

test('a few truncations through the real CLI: exit 0, an exact report, never a stack trace', async (t) => {
  const bytes = sampleStream()
  const scan = await scanStream(bytesSource(bytes))
  const dir = await tempDir(t)
  for (const cut of [scan.messages[2]!.end + 3, scan.messages[1]!.metadataOffset + 2, 5]) {
    const root = join(dir, `spill-${cut}`)
    await mkdir(join(root, 'otel_logs'), { recursive: true })
    await writeFile(join(root, 'otel_logs', 'active.ipc'), bytes.subarray(0, cut))
    const result = await runCli(['recover', '--path', root, '--out', join(dir, `out-${cut}`), '--json'])
    assert.equal(result.code, 0, result.stderr)
    assert.doesNotMatch(result.stderr, /at .*\.js:\d+/)
    const report = JSON.parse(result.stdout) as ReplayReport
    assert.equal(report.rows, completeBefore(scan, cut).rows)
  }
})

test('status --deep finds damage inside a record-batch body that metadata alone cannot see', async (t) => {
  const bytes = sampleStream().slice()
  const scan = await scanStream(bytesSource(bytes))
  const batch = scan.messages.find((m) => m.kind === 'recordBatch')!
  // Point the first dictionary index of the batch far outside its dictionary.
  const root = join(await tempDir(t), 'spill')
  await mkdir(join(root, 'otel_logs'), { recursive: true })
  const { RecordBatchReader } = await import('apache-arrow')
  const decoded = [...RecordBatchReader.from(bytes)][0]!
  const indices = decoded.getChild('severity_text')!.data[0]!.values as Int32Array
  const at = indices.byteOffset - bytes.byteOffset
  assert.ok(at > batch.metadataOffset && at < batch.end, 'the index buffer lies in the first batch body')
  new DataView(bytes.buffer).setInt32(at, 1_000_000, true)
  await writeFile(join(root, 'otel_logs', 'pending-000001.ipc'), bytes)
  const shallow = await status({ root })
  assert.equal(shallow.tables[0]!.damage.length, 0)
  assert.equal(shallow.tables[0]!.rows, WRITTEN)
  const deep = await status({ root, deep: true })
  assert.equal(deep.tables[0]!.damage.length, 1)
  assert.match(deep.tables[0]!.damage[0]!.reason, /dictionary index 1000000/)
  assert.equal(deep.tables[0]!.rows, 0)
})
