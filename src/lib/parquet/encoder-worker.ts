/** Worker thread body: encodes the jobs the pool sends, one at a time, streaming each file's bytes back. */
import { parentPort } from 'node:worker_threads'
import { once } from 'node:events'
import type { FromWorker, ToWorker } from './worker-protocol.js'
import { encodeParquet } from './encoder.js'

const port = parentPort!

/** Resolves at the pool's next `next` message: the previous chunk has been taken. */
async function taken(): Promise<void> {
  for (;;) {
    const [message] = (await once(port, 'message')) as [ToWorker]
    if (message.type === 'next') return
  }
}

async function encode(message: Extract<ToWorker, { type: 'encode' }>): Promise<void> {
  try {
    const progress = (rows: number) => port.postMessage({ type: 'rows', rows } satisfies FromWorker)
    for await (const chunk of encodeParquet(message.job, message.format, progress)) {
      // A chunk may be a view into a larger buffer: copy it so the transfer moves just these bytes.
      const bytes = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength ? chunk : chunk.slice()
      port.postMessage({ type: 'chunk', bytes } satisfies FromWorker, [bytes.buffer as ArrayBuffer])
      await taken()
    }
    port.postMessage({ type: 'done' } satisfies FromWorker)
  } catch (error) {
    const { message: text, code } = error as NodeJS.ErrnoException
    port.postMessage({ type: 'error', message: error instanceof Error ? text : String(error), code } satisfies FromWorker)
  }
}

// One job at a time: the pool sends the next only after this one's `done` or `error`.
port.on('message', (message: ToWorker) => {
  if (message.type === 'encode') void encode(message)
})
