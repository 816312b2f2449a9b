/** Batches and stream files for tests. */
import { writeFile } from 'node:fs/promises'
import { Int32, RecordBatch, Table, Utf8, makeTable, tableToIPC, vectorFromArray } from 'apache-arrow'

/** A batch of `rows` rows with ids first..first+rows-1 and a message derived from each id. */
export function idBatch(first: number, rows: number): RecordBatch {
  const ids = Int32Array.from({ length: rows }, (_, i) => first + i)
  const table = makeTable({ id: ids })
  const messages = vectorFromArray(
    Array.from(ids, (id) => `message ${id}`),
    new Utf8(),
  )
  return new Table({ id: table.getChild('id')!, message: messages }).batches[0]!
}

/** A batch with a different schema (one Utf8 column named `other`). */
export function otherBatch(rows: number): RecordBatch {
  return new Table({
    other: vectorFromArray(
      Array.from({ length: rows }, (_, i) => `x${i}`),
      new Utf8(),
    ),
  }).batches[0]!
}

/** The ids of a list of batches, in order. */
export function idsOf(batches: readonly RecordBatch[]): number[] {
  return batches.flatMap((batch) => Array.from(batch.getChild('id')!.toArray() as Int32Array))
}

/** An Arrow IPC stream of the given batches, with the end-of-stream marker. */
export function streamBytes(batches: RecordBatch[]): Uint8Array {
  return tableToIPC(new Table(batches), 'stream')
}

export async function writeStream(path: string, batches: RecordBatch[]): Promise<Uint8Array> {
  const bytes = streamBytes(batches)
  await writeFile(path, bytes)
  return bytes
}

export const ID_TYPE = new Int32()
