/**
 * Reading ingest's inputs: an Arrow IPC stream or file (told apart by their first bytes), a path,
 * a pipe or standard input. Every input is checked whole — framing, each batch against its
 * buffers, one batch in memory at a time — before anything of it is appended, so a bad input is
 * refused with nothing appended, whatever its size. What is appended is the checked stream itself:
 * the input file, the stream inside an IPC file, or a spooled copy of what was piped in.
 */
import { open, stat, type FileHandle } from 'node:fs/promises'
import type { Schema } from 'apache-arrow'
import { CorruptStreamError } from '../errors.js'
import { InputNotFoundError, NotArrowError, PermissionError, UnsupportedTypeError } from '../usage-errors.js'
import { unsupportedIn } from '../format/type-support.js'
import type { StreamFileSource } from '../buffer/record-store.js'
import { decodeSchema } from '../format/batch-codec.js'
import { fileSource, limitSource } from '../format/byte-source.js'
import { detectFormat, fileFooterStart, notArrowReason, scanStream, type StreamScan } from '../format/ipc-framing.js'
import { BatchDecodeError, checkedFrames, fileRangeReader } from '../format/stream-batches.js'
import type { InputSpool } from './input-spool.js'

export interface IngestedInput {
  readonly path: string
  readonly format: 'stream' | 'file'
  readonly bytes: number
  readonly batches: number
  readonly rows: number
}

/** An input checked whole: where its stream lies, and what it holds. */
export interface CheckedInput extends IngestedInput {
  readonly schema?: Schema
  readonly stream: StreamFileSource
  /** `dev:ino:size:mtime` of a regular input file: the same file again has the same identity. */
  readonly identity?: string
}

/** Checks one input (`-` is standard input) whole, or throws an error naming it. */
export async function checkInput(path: string, stdin: AsyncIterable<Uint8Array> | undefined, spool: InputSpool, maxColumns?: number): Promise<CheckedInput> {
  if (path === '-') {
    if (!stdin) throw new InputNotFoundError(path, 'standard input is not available')
    return checkFile(path, await spool.take(stdin, path), undefined, spool, maxColumns)
  }
  let info
  try {
    info = await stat(path, { bigint: true })
  } catch (error) {
    throw inputError(path, error)
  }
  if (info.isDirectory()) throw new InputNotFoundError(path, 'it is a directory, not a file')
  if (!info.isFile()) {
    // A pipe or a device (`<(command)`, /dev/stdin): read once, into the spool.
    const handle = await openInput(path)
    try {
      return await checkFile(path, await spool.take(handle.readableWebStream(), path), undefined, spool, maxColumns)
    } finally {
      await handle.close()
    }
  }
  return checkFile(path, path, `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}`, spool, maxColumns)
}

async function checkFile(label: string, path: string, identity: string | undefined, spool: InputSpool, maxColumns?: number): Promise<CheckedInput> {
  const handle = await openInput(path)
  try {
    const { size } = await handle.stat()
    if (size === 0) throw new NotArrowError(label, 'it is empty')
    const head = new Uint8Array(Math.min(8, size))
    await handle.read(head, 0, head.byteLength, 0)
    const format = detectFormat(head)
    if (format === 'unknown') throw new NotArrowError(label, notArrowReason(head))
    if (format === 'file') return { ...(await checkFileFormat(label, path, handle, size, spool, maxColumns)), identity }
    const checked = await checkStream(label, handle, size, 0, size, maxColumns)
    return { ...checked, path: label, format: 'stream', bytes: size, stream: { path, ...checked.range }, identity }
  } finally {
    await handle.close()
  }
}

/**
 * The IPC file format holds a stream between its magic and its footer. Writers in C++, Go and Python
 * put the schema message there too; apache-arrow (JavaScript) keeps it in the footer only, and then
 * the stream is spooled with the footer's schema in front.
 */
async function checkFileFormat(label: string, path: string, handle: FileHandle, size: number, spool: InputSpool, maxColumns?: number): Promise<CheckedInput> {
  const torn = () => damagedInput(label, size, 'the IPC file has no closing ARROW1 magic or footer (torn or truncated)')
  const footerStart = await fileFooterStart(fileSource(handle, size))
  if (footerStart === undefined) throw torn()
  const body = limitSource(fileSource(handle, size), footerStart)
  const first = (await scanStream(body, 8)).messages[0]
  let stream: StreamFileSource
  if (first?.kind === 'schema') {
    const checked = await checkStream(label, handle, footerStart, 8, footerStart, maxColumns)
    return { ...checked, path: label, format: 'file', bytes: size, stream: { path, ...checked.range } }
  }
  stream = await spool.fromFileFormat(handle, footerStart, label)
  const spooled = await open(stream.path, 'r')
  try {
    const checked = await checkStream(label, spooled, stream.end, 0, stream.end, maxColumns)
    stream = { path: stream.path, ...checked.range }
    return { ...checked, path: label, format: 'file', bytes: size, stream }
  } finally {
    await spooled.close()
  }
}

interface CheckedStream {
  readonly schema?: Schema
  readonly batches: number
  readonly rows: number
  readonly range: Omit<StreamFileSource, 'path'>
}

/** Scans and checks the stream in [start, end) of an open file, one batch at a time. */
async function checkStream(label: string, handle: FileHandle, size: number, start: number, end: number, maxColumns?: number): Promise<CheckedStream> {
  const scan = await scanStream(limitSource(fileSource(handle, size), end), start)
  if (scan.damage) throw damagedInput(label, scan.damage.offset, scan.damage.reason)
  const schemaFrame = scan.messages[0]
  if (schemaFrame) {
    const bytes = new Uint8Array(schemaFrame.end - schemaFrame.offset)
    await handle.read(bytes, 0, bytes.byteLength, schemaFrame.offset)
    const unsupported = unsupportedIn(bytes, maxColumns)
    if (unsupported) throw new UnsupportedTypeError(label, `${unsupported.reason}; the input was not ingested`)
  }
  let rows = 0
  try {
    for await (const { frame } of checkedFrames(fileRangeReader(handle, { reuse: true }), scan)) rows += frame.rows
  } catch (error) {
    if (error instanceof BatchDecodeError) throw damagedInput(label, error.offset, error.message)
    throw error
  }
  return { schema: await schemaOf(handle, scan), batches: scan.recordBatches, rows, range: { start, end: scan.validEnd, rows, endOfStream: scan.endOfStream } }
}

async function schemaOf(handle: FileHandle, scan: StreamScan): Promise<Schema | undefined> {
  const frame = scan.messages[0]
  if (!frame) return undefined
  const bytes = new Uint8Array(frame.end - frame.offset)
  await handle.read(bytes, 0, bytes.byteLength, frame.offset)
  return decodeSchema(bytes)
}

/** A damaged input is not in the spill directory, so recover cannot mend it: the hint says what can. */
function damagedInput(label: string, offset: number, reason: string): CorruptStreamError {
  const see = label === '-' ? 'save standard input to a file and look at it with `bufctl cat FILE`' : `\`bufctl cat ${label}\` shows its complete batches`
  return new CorruptStreamError(label, offset, `${reason}; the input was not ingested`, `write the input again from its source (${see}); nothing of it was appended`)
}

async function openInput(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r')
  } catch (error) {
    throw inputError(path, error)
  }
}

function inputError(path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return new InputNotFoundError(path, 'no such file')
  if (code === 'EACCES' || code === 'EPERM') return new PermissionError(path, error)
  return new InputNotFoundError(path, (error as Error).message)
}
