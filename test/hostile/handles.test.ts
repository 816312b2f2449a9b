/**
 * Every handle bufctl opens is closed on every path, hostile ones included: after status, flush,
 * recover and ingest over damaged, odd and unsupported files, forced garbage collection finds no
 * FileHandle left for Node to close ("Closing file descriptor N on garbage collection").
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, execFileSync } from 'node:child_process'
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Table, tableToIPC } from 'apache-arrow'
import { PROJECT_ROOT } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'
import { FIXTURES } from '../helpers/spill.js'
import { typeCorpus } from '../helpers/type-corpus.js'
import { generalBatch } from '../fixtures/general-data.js'

const run = promisify(execFile)
const PROBE = join(PROJECT_ROOT, 'test', 'helpers', 'handle-probe.ts')

async function probe(work: string, control = false): Promise<string[]> {
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', PROBE, work, ...(control ? ['--control'] : [])], { cwd: PROJECT_ROOT, timeout: 300_000 })
  return (JSON.parse(stdout.trim().split('\n').pop()!) as { warnings: string[] }).warnings
}

test('no file handle is left to the garbage collector after every command over hostile files', async (t) => {
  const work = await tempDir(t)
  const root = join(work, 'spill')
  await cp(join(FIXTURES, 'crashed'), root, { recursive: true })
  await cp(join(FIXTURES, 'general'), root, { recursive: true })
  // Odd entries, an unsupported type, a damaged body and an implausible file beside good ones.
  execFileSync('mkfifo', [join(root, 'app_logs', 'pending-000007.ipc')])
  await mkdir(join(root, 'app_gauge', 'pending-000008.ipc'))
  const unsupported = (await typeCorpus()).find((entry) => entry.name === 'Interval<MONTH_DAY_NANO>')!.bytes
  await mkdir(join(root, 'typed'))
  await writeFile(join(root, 'typed', 'pending-000001.ipc'), unsupported)
  const good = tableToIPC(new Table([generalBatch('app_logs', 0, 50)]), 'stream')
  const damaged = good.slice()
  damaged.fill(0xff, damaged.byteLength - 200, damaged.byteLength - 100)
  await writeFile(join(root, 'typed', 'pending-000002.ipc'), damaged)

  await mkdir(join(work, 'inputs'))
  await writeFile(join(work, 'inputs', 'junk.arrows'), new TextEncoder().encode('not arrow at all\n'.repeat(50)))
  await writeFile(join(work, 'inputs', 'torn.arrows'), good.subarray(0, good.byteLength - 37))
  await writeFile(join(work, 'inputs', 'unsupported.arrows'), unsupported)
  await writeFile(join(work, 'inputs', 'good.arrows'), good)

  const control = await probe(work, true)
  assert.ok(
    control.some((warning) => /Closing file descriptor \d+ on garbage collection/.test(warning)),
    `the probe sees a leaked handle: ${control.join('; ')}`,
  )
  const warnings = await probe(work)
  assert.deepEqual(
    warnings.filter((warning) => /file descriptor|FileHandle/i.test(warning)),
    [],
  )
  assert.ok((await readFile(join(root, 'typed', 'quarantine', 'pending-000001.ipc'))).byteLength > 0, 'the probe did run recover')
})
