/**
 * When the Parquet writer fails on an output (or writes it short) although every batch passed the
 * reader's checks, which of the files that fed it is to blame: each file's pieces are encoded on
 * their own, in memory, and the files whose rows do not come out whole are the culprits. Only a
 * failed drain pays for this; it lets recover set those files aside and write the rest.
 */
import { isSystemError } from '../errors.js'
import type { Compression } from '../options/output-options.js'
import { encodeJobs } from '../parquet/encoder-pool.js'
import type { PieceSource } from '../parquet/encode-job.js'
import type { PlannedOutput } from './drain-plan.js'

/** The names (among `sources`) of the files of `output` whose rows the writer cannot take. */
export async function unwritableFiles(output: PlannedOutput, sources: ReadonlyMap<PieceSource, string>, compression: Compression): Promise<string[]> {
  const order = [...new Set(output.pieces.map((piece) => piece.source))]
  const names = order.map((source) => sources.get(source) ?? (typeof source === 'string' ? source : 'a stream in memory'))
  if (order.length === 1) return names
  const piecesOf = (chosen: readonly PieceSource[]) => {
    const wanted = new Set(chosen)
    return output.pieces.filter((piece) => wanted.has(piece.source))
  }
  // Files that fail alone.
  const alone = await whole(
    order.map((source) => piecesOf([source])),
    compression,
  )
  const culprits = names.filter((_, index) => !alone[index])
  if (culprits.length > 0) return culprits
  // Files that fail only beside the others (a schema that differs in what the writer compares):
  // the first file whose addition breaks the growing prefix, found by halving (the whole set fails).
  const fails = async (count: number) => !(await whole([piecesOf(order.slice(0, count))], compression))[0]
  let low = 2
  let high = order.length
  while (low < high) {
    const middle = Math.floor((low + high) / 2)
    if (await fails(middle)) high = middle
    else low = middle + 1
  }
  return low < order.length || (await fails(low)) ? [names[low - 1]!] : names
}

/** Whether each set of pieces comes out of the writer whole, encoded one set at a time on this thread. */
async function whole(sets: readonly PlannedOutput['pieces'][number][][], compression: Compression): Promise<boolean[]> {
  const jobs = sets.map((pieces) => ({ pieces, rows: pieces.reduce((sum, piece) => sum + piece.length, 0) }))
  return encodeJobs(jobs, { format: { compression }, concurrency: 1 }, async (index, bytes) => {
    try {
      return (await footerRows(bytes)) === jobs[index]!.rows
    } catch {
      return false
    }
  }).catch((error: unknown) => {
    // The machine failing (out of descriptors, an I/O error) says nothing about any file: never blame them all for it.
    if (isSystemError(error)) throw error
    return sets.map(() => false)
  })
}

/** The row count in the footer of Parquet bytes. */
async function footerRows(bytes: AsyncIterable<Uint8Array>): Promise<number> {
  const chunks: Uint8Array[] = []
  // Chunks are lent (see ParquetWrite): each is copied before the next is asked for.
  for await (const chunk of bytes) chunks.push(new Uint8Array(chunk))
  const all = Buffer.concat(chunks)
  const { parquetMetadata } = await import('hyparquet')
  return Number(parquetMetadata(all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength)).num_rows)
}
