/**
 * An output's parts are made of the chunks it is given: kept until they pass the smallest part S3
 * takes, then sent as one part; the object is the chunks' bytes in order, whatever their sizes.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { BUCKET, startS3, type S3Fixture } from '../helpers/s3.js'
import { S3Sink } from '../../src/lib/sink/s3-sink.js'
import { PART_BYTES } from '../../src/lib/sink/s3-multipart.js'

const MIB = 1024 * 1024

async function sinkOn(s3: S3Fixture): Promise<S3Sink> {
  // The SDK takes credentials from the process's environment, as bufctl's own process does.
  Object.assign(process.env, s3.env)
  return new S3Sink({ bucket: BUCKET, prefix: 'parts', url: `s3://${BUCKET}/parts` }, { env: s3.env })
}

async function objectBytes(s3: S3Fixture, key: string): Promise<Buffer> {
  const object = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
  return Buffer.from(await object.Body!.transformToByteArray())
}

test('chunks of mixed sizes: parts of at least 5 MiB each, the object byte-for-byte the chunks in order, though each is changed once written', async (t) => {
  const s3 = await startS3(t)
  const sink = await sinkOn(s3)
  t.after(() => sink.close())
  // 3 × 1 MiB + 6 MiB = 9 MiB → one part; 2 MiB + 5 MiB → a second; the last 100 bytes end it.
  const chunks = [MIB, MIB, MIB, 6 * MIB, 2 * MIB, 5 * MIB, 100].map((size) => randomBytes(size))
  const started: string[] = []
  const progress: number[] = []
  const expected = Buffer.concat(chunks)
  const writer = await sink.create('otel_logs/a.parquet', { started: (id) => started.push(id), progress: (bytes) => progress.push(bytes) })
  for (const chunk of chunks) {
    await writer.write(chunk)
    // A chunk is lent until write resolves: the caller may reuse or free it at once.
    chunk.fill(0)
  }
  assert.equal(await writer.commit(), 16 * MIB + 100)
  // (equals, not deepEqual: a diff of two 16 MiB buffers would not fit in the heap)
  assert.ok((await objectBytes(s3, 'parts/otel_logs/a.parquet')).equals(expected), 'the object is the chunks as they were written')
  const parts = s3.calls.filter((call) => call.operation === 'UploadPart')
  assert.deepEqual(
    parts.map((call) => call.query.get('partNumber')),
    ['1', '2', '3'],
  )
  assert.equal(started.length, 1)
  assert.equal(s3.uploads.get(started[0]!)?.state, 'completed')
  assert.deepEqual(progress, [9 * MIB, 16 * MIB, 16 * MIB + 100])
})

test('an output of exactly one part is one PutObject; an aborted one leaves no object and no open upload', async (t) => {
  const s3 = await startS3(t)
  const sink = await sinkOn(s3)
  t.after(() => sink.close())
  const whole = randomBytes(PART_BYTES)
  const one = await sink.create('otel_logs/one.parquet')
  await one.write(whole.subarray(0, MIB))
  await one.write(whole.subarray(MIB))
  await one.commit()
  assert.deepEqual(await objectBytes(s3, 'parts/otel_logs/one.parquet'), whole)
  assert.equal(s3.uploads.size, 0)

  const dropped = await sink.create('otel_logs/dropped.parquet')
  await dropped.write(randomBytes(4 * MIB))
  await dropped.write(randomBytes(4 * MIB))
  await dropped.abort()
  assert.deepEqual(await s3.keys('parts/'), ['parts/otel_logs/one.parquet'])
  assert.deepEqual(
    [...s3.uploads.values()].map((upload) => upload.state),
    ['aborted'],
  )
})
