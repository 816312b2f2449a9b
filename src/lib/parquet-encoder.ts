/**
 * The second pass of flush and recover: build one planned Parquet file from byte ranges of the
 * stream files. Each batch goes from the file into wasm as its own small IPC stream (schema,
 * dictionaries in force, the batch) — no decode and re-encode in JavaScript — and is sliced there
 * when only part of it belongs to this file. Runs on the main thread or in a worker.
 */
import { open, type FileHandle } from 'node:fs/promises'
import type { BatchPiece, PlannedOutput } from './drain-plan.js'
import { fileRangeReader, type RangeReader } from './stream-batches.js'
import { writeStreamAtomically } from './fs-util.js'
import { parquetStream, type Compression, type WrittenOutput } from './parquet-writer.js'

export async function encodeOutput(plan: PlannedOutput, compression: Compression): Promise<WrittenOutput> {
  const handles = new Map<string, FileHandle>()
  // wasm copies each batch in, so one buffer can serve every read.
  const readers = new Map<string, RangeReader>()
  try {
    const readerFor = async (file: string) => {
      let reader = readers.get(file)
      if (!reader) {
        const handle = await open(file, 'r')
        handles.set(file, handle)
        reader = fileRangeReader(handle, { reuse: true })
        readers.set(file, reader)
      }
      return reader
    }
    const wasm = await import('parquet-wasm')
    let next = 0
    const pieces = plan.pieces
    const produce = async () => {
      if (next >= pieces.length) return undefined
      const piece: BatchPiece = pieces[next++]!
      const bytes = await (await readerFor(piece.file))([piece.schema, ...piece.dictionaries, piece.batch])
      const table = wasm.Table.fromIPCStream(bytes)
      try {
        const batch = table.recordBatch(0)!
        if (piece.offset === 0 && piece.length === piece.batchRows) return { batch, rows: piece.length }
        try {
          return { batch: batch.slice(piece.offset, piece.length), rows: piece.length }
        } finally {
          batch.free()
        }
      } finally {
        table.free()
      }
    }
    const bytes = await writeStreamAtomically(plan.path, parquetStream(produce, plan.rows, compression))
    return { path: plan.path, partition: plan.partition, rows: plan.rows, bytes }
  } finally {
    for (const handle of handles.values()) await handle.close()
  }
}
