/** Worker thread body: encodes the planned Parquet files the pool sends, one at a time. */
import { parentPort } from 'node:worker_threads'
import { encodeOutput } from './parquet-encoder.js'
import type { EncodeRequest, EncodeResponse } from './encoder-pool.js'

const port = parentPort!
port.on('message', async ({ id, plan, compression }: EncodeRequest) => {
  let response: EncodeResponse
  try {
    response = { id, result: await encodeOutput(plan, compression) }
  } catch (error) {
    const { message, code } = error as NodeJS.ErrnoException
    response = { id, error: { message: message ?? String(error), code } }
  }
  port.postMessage(response)
})
