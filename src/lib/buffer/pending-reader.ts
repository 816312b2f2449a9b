/**
 * The seed's drain of a disk store returns batches: the drained pending files read back, salvaging
 * or refusing a damaged tail.
 */
import { constants } from 'node:fs'
import { open } from 'node:fs/promises'
import type { RecordBatch } from 'apache-arrow'
import { CorruptStreamError } from '../errors.js'
import { fileSource } from '../format/byte-source.js'
import { scanStream } from '../format/ipc-framing.js'
import { fileRangeReader, salvageBatches } from '../format/stream-batches.js'
import type { PendingFile } from './record-store.js'

/**
 * Every complete batch of the files, in order, and the files read only up to damage. `salvage`
 * keeps the batches before a damaged tail (the exporter's behaviour); `strict` throws
 * CorruptStreamError at the first damage.
 */
export async function readDrainedBatches(files: readonly PendingFile[], damage: 'salvage' | 'strict'): Promise<{ batches: RecordBatch[]; damaged: PendingFile[] }> {
  const batches: RecordBatch[] = []
  const damaged: PendingFile[] = []
  for (const file of files) {
    const handle = await open(file.path, constants.O_RDONLY | constants.O_NOFOLLOW)
    try {
      const scan = await scanStream(fileSource(handle, (await handle.stat()).size))
      const salvage = await salvageBatches(fileRangeReader(handle, { reuse: false }), scan, { keep: true })
      if (salvage.damage && damage === 'strict') throw new CorruptStreamError(file.path, salvage.damage.offset, salvage.damage.reason)
      if (salvage.damage) damaged.push(file)
      batches.push(...salvage.batches)
    } finally {
      await handle.close()
    }
  }
  return { batches, damaged }
}
