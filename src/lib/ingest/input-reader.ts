/**
 * Reading ingest's inputs: an Arrow IPC stream or file (told apart by their first bytes), a path
 * or standard input. Every input is checked whole — framing, each batch against its buffers —
 * before anything of it is appended, so a bad input is refused with nothing appended.
 */
import { open, stat, type FileHandle } from 'node:fs/promises'
import type { RecordBatch, Schema } from 'apache-arrow'
import { CorruptStreamError, InputNotFoundError, NotArrowError } from '../errors.js'
import { bytesSource, fileSource } from '../format/byte-source.js'
import { detectFormat, scanStream } from '../format/ipc-framing.js'
import { bytesRangeReader, fileRangeReader, salvageBatches } from '../format/stream-batches.js'

export interface IngestedInput {
  readonly path: string
  readonly format: 'stream' | 'file'
  readonly bytes: number
  readonly batches: number
  readonly rows: number
}

/** An input read and checked whole: its batches in memory, or (a stream file) only where they are. */
export interface CheckedInput extends IngestedInput {
  readonly schema?: Schema
  readonly recordBatches: RecordBatch[]
  /** Set for a stream-format file checked in place: the file itself becomes a pending file. */
  readonly inPlace?: { readonly endOfStream: boolean }
}

/** Reads one input whole and decodes it, or throws an error naming it. */
export async function readInput(path: string, stdin: AsyncIterable<Uint8Array> | undefined): Promise<CheckedInput> {
  const bytes = path === '-' ? await readAll(stdin, path) : await readInputFile(path)
  if (bytes.byteLength === 0) throw new NotArrowError(path, 'it is empty')
  const format = detectFormat(bytes.subarray(0, 8))
  if (format === 'unknown') throw new NotArrowError(path, 'it does not start with an Arrow IPC stream message or the ARROW1 file magic')
  if (format === 'file') return decodeFileFormat(path, bytes)
  const scan = await scanStream(bytesSource(bytes))
  const salvage = await salvageBatches(bytesRangeReader(bytes), scan, { keep: true })
  if (salvage.damage) throw new CorruptStreamError(path, salvage.damage.offset, `${salvage.damage.reason}; the input was not ingested`)
  return { path, format, bytes: bytes.byteLength, batches: salvage.batches.length, rows: salvage.rows, schema: salvage.schema, recordBatches: salvage.batches }
}

/**
 * Checks a file without keeping its batches: a stream-format file is scanned and each batch
 * decoded and checked in turn (one batch in memory at a time); other formats are read whole.
 */
export async function checkInput(path: string): Promise<CheckedInput> {
  const handle = await openInput(path)
  try {
    const { size } = await handle.stat()
    const head = new Uint8Array(Math.min(8, size))
    await handle.read(head, 0, head.byteLength, 0)
    if (size === 0) throw new NotArrowError(path, 'it is empty')
    if (detectFormat(head) !== 'stream') return await readInput(path, undefined)
    const scan = await scanStream(fileSource(handle, size))
    // Counted, not kept: the file itself is what gets appended.
    const salvage = await salvageBatches(fileRangeReader(handle, { reuse: true }), scan, { keep: false })
    if (salvage.damage) throw new CorruptStreamError(path, salvage.damage.offset, `${salvage.damage.reason}; the input was not ingested`)
    return {
      path,
      format: 'stream',
      bytes: size,
      batches: scan.recordBatches,
      rows: salvage.rows,
      schema: salvage.schema,
      recordBatches: [],
      inPlace: { endOfStream: scan.endOfStream },
    }
  } finally {
    await handle.close()
  }
}

async function openInput(path: string): Promise<FileHandle> {
  try {
    const info = await stat(path)
    if (info.isDirectory()) throw new InputNotFoundError(path, 'it is a directory, not a file')
    return await open(path, 'r')
  } catch (error) {
    if (error instanceof InputNotFoundError) throw error
    const code = (error as NodeJS.ErrnoException).code
    throw new InputNotFoundError(path, code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(error))
  }
}

async function decodeFileFormat(path: string, bytes: Uint8Array): Promise<CheckedInput> {
  const { RecordBatchReader } = await import('apache-arrow')
  const tail = new TextDecoder().decode(bytes.subarray(Math.max(0, bytes.byteLength - 6)))
  if (tail !== 'ARROW1') throw new CorruptStreamError(path, bytes.byteLength, 'the IPC file has no closing ARROW1 magic (torn or truncated); the input was not ingested')
  try {
    const reader = RecordBatchReader.from(bytes).open()
    const schema = reader.schema
    const recordBatches = [...reader]
    const rows = recordBatches.reduce((sum, batch) => sum + batch.numRows, 0)
    return { path, format: 'file', bytes: bytes.byteLength, batches: recordBatches.length, rows, schema, recordBatches }
  } catch (error) {
    throw new CorruptStreamError(path, 0, `cannot decode the IPC file (${error instanceof Error ? error.message : String(error)}); the input was not ingested`)
  }
}

async function readInputFile(path: string): Promise<Uint8Array> {
  const handle = await openInput(path)
  try {
    return await handle.readFile()
  } finally {
    await handle.close()
  }
}

async function readAll(stream: AsyncIterable<Uint8Array> | undefined, path: string): Promise<Uint8Array> {
  if (!stream) throw new InputNotFoundError(path, 'standard input is not available')
  const chunks: Uint8Array[] = []
  for await (const chunk of stream) chunks.push(chunk)
  return Buffer.concat(chunks)
}
