/** The batches of a checked input stream, decoded one at a time (memory storage needs them as batches). */
import { open } from 'node:fs/promises'
import type { RecordBatch } from 'apache-arrow'
import type { StreamFileSource } from '../buffer/record-store.js'
import { fileSource, limitSource } from '../format/byte-source.js'
import { scanStream } from '../format/ipc-framing.js'
import { checkedBatches, fileRangeReader } from '../format/stream-batches.js'

export async function* readBatches(stream: StreamFileSource): AsyncGenerator<RecordBatch> {
  const handle = await open(stream.path, 'r')
  try {
    const scan = await scanStream(limitSource(fileSource(handle, (await handle.stat()).size), stream.end), stream.start)
    for await (const { batch } of checkedBatches(fileRangeReader(handle, { reuse: false }), scan)) yield batch
  } finally {
    await handle.close()
  }
}
