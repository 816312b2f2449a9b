/**
 * Spill data big enough for multipart uploads: otel_logs rows whose body is 1 KiB of random hex,
 * which no codec shrinks much, written as pending files of the exporter's shape.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeBatch, END_OF_STREAM } from '../../src/lib/format/index.js'
import { DEFAULT_PROMOTED, exporterColumns } from '../../src/lib/format/exporter-schemas.js'
import { batchOfColumns, valueOf } from '../fixtures/exporter-data.js'

const ROWS_PER_BATCH = 1_000
const BODY_BYTES = 1024

/**
 * Writes about `bytes` of otel_logs into pending files of about `fileBytes` each; returns the row
 * ids written. With `repeat`, one batch is written over and over (fast for gigabytes; ids repeat).
 */
export async function writeBigLogs(root: string, bytes: number, fileBytes = 4 * 1024 * 1024, repeat = false): Promise<number[]> {
  const directory = join(root, 'otel_logs')
  await mkdir(directory, { recursive: true })
  await writeFile(join(directory, '.lock'), '')
  const specs = exporterColumns('otel_logs', DEFAULT_PROMOTED.otel_logs)
  const ids: number[] = []
  let first: { schemaMessage: Uint8Array; dataMessages: Uint8Array } | undefined
  const nextBatch = async () => {
    if (repeat && first) return first
    const rows = Array.from({ length: ROWS_PER_BATCH }, (_, i) => ids.length + i)
    const columns = specs.map((spec) => rows.map((id) => (spec.name === 'body' ? randomBytes(BODY_BYTES / 2).toString('hex') : valueOf('otel_logs', spec, id))))
    first = await encodeBatch(batchOfColumns('otel_logs', undefined, columns))
    return first
  }
  let written = 0
  for (let sequence = 1; written < bytes; sequence++) {
    const parts: Uint8Array[] = []
    let fileSize = 0
    while (fileSize < fileBytes && written + fileSize < bytes) {
      const { schemaMessage, dataMessages } = await nextBatch()
      if (parts.length === 0) parts.push(schemaMessage)
      parts.push(dataMessages)
      fileSize += dataMessages.byteLength
      const from = repeat ? 0 : ids.length
      for (let i = 0; i < ROWS_PER_BATCH; i++) ids.push(from + i)
    }
    parts.push(END_OF_STREAM)
    await writeFile(join(directory, `pending-${String(sequence).padStart(6, '0')}.ipc`), Buffer.concat(parts))
    written += fileSize
  }
  return ids
}
