/**
 * Read-only views of a spill root: which table directories it has, and what each stream file
 * holds, from message metadata only. Nothing here takes a lock or changes a byte, so it is safe
 * while the exporter runs.
 */
import { closeSync, fstatSync, readSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { ParsedSchemas, StreamDamage, StreamScan } from './ipc-framing.js'
import type { ParsedHeader } from './message-metadata.js'
import type { Unsupported } from './type-support.js'
import { ACTIVE_FILE, entryPath, sortedPendingFiles } from './table-directory.js'
import { BytesMemo } from './bytes-memo.js'
import { openBufferFile, openBufferFileSync } from '../fs-util.js'

export interface StreamFileInspection {
  readonly name: string
  readonly path: string
  readonly bytes: number
  readonly rows: number
  readonly recordBatches: number
  readonly mtimeMs: number
  readonly endOfStream: boolean
  /** Bytes past the complete-message prefix. */
  readonly droppedBytes: number
  readonly damage?: StreamDamage
  /** End offset of the schema message, when the file has one. */
  readonly schemaEnd?: number
  /** Why bufctl cannot write this file's data to Parquet (type-support), when it cannot. */
  readonly unsupported?: Unsupported
}

export interface TableInspection {
  readonly table: string
  readonly directory: string
  readonly active?: StreamFileInspection
  /** In sequence order. */
  readonly pending: readonly StreamFileInspection[]
  /** Entries named like stream files that are not regular files (a directory, a FIFO, a link): skipped. */
  readonly odd: readonly OddEntry[]
}

export interface OddEntry {
  readonly name: string
  readonly reason: string
}

export interface InspectOptions {
  /** Columns a schema may have (type-support). @default DEFAULT_MAX_COLUMNS */
  readonly maxColumns?: number
  /**
   * Told each stream file's scan (where its messages lie) as the file is inspected. Inspection
   * keeps none: a caller that plans from them keeps those it will use soon (50,000 scans held 24 MiB).
   */
  readonly onScan?: (file: StreamFileInspection, scan: StreamScan) => void
}

/**
 * Files inspected between two turns of the event loop. Inspection reads on the calling thread —
 * a few small reads per file, which for a backlog of 5,000 files took 1.0–1.3 s as thread-pool
 * round trips (16 at a time) and takes ~0.8 s so — and lets timers and signals in between.
 */
const FILES_PER_TURN = 64

export async function inspectTable(root: string, table: string, options: InspectOptions = {}): Promise<TableInspection> {
  const directory = join(root, table)
  const names = await readdir(directory)
  const hasActive = names.includes(ACTIVE_FILE)
  const order = [...(hasActive ? [ACTIVE_FILE] : []), ...sortedPendingFiles(names).map((file) => file.name)]
  const inspected: (StreamFileInspection | OddEntry)[] = []
  const scratch: InspectionScratch = {}
  for (const [index, name] of order.entries()) {
    if (index > 0 && index % FILES_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve))
    inspected.push(await inspectFile(directory, name, options, scratch))
  }
  const odd = inspected.filter((file): file is OddEntry => 'reason' in file)
  const files = inspected.map((file) => ('reason' in file ? undefined : file))
  const active = hasActive ? files[0] : undefined
  const pending = files.slice(hasActive ? 1 : 0).filter((file) => file !== undefined)
  return { table, directory, active, pending, odd }
}

/**
 * What a stream file holds, from its message metadata; an entry that is not a regular file is
 * reported as odd and never read (no link is followed, no FIFO waited on).
 */
export function inspectStreamFile(directory: string, name: string, options: InspectOptions = {}): Promise<StreamFileInspection | OddEntry> {
  return inspectFile(directory, name, options, {})
}

/**
 * What a table's files share while they are inspected: one window buffer, and what their schema
 * messages say (by their bytes: thousands of files with one schema read it once).
 */
interface InspectionScratch {
  buffer?: Uint8Array
  schemas?: ParsedSchemas
  /** What each schema (as framing parsed it, shared by the files with the same schema bytes) says bufctl cannot write. */
  unsupported?: Map<ParsedHeader, Unsupported | undefined>
  readers?: Readers
}

/**
 * The readers inspection loads on first use (status of an empty root never needs the Arrow
 * message accessors), once for a table: an import() for each of 5,000 files cost a trip through
 * the module loader each.
 */
interface Readers {
  readonly scanStream: typeof import('./ipc-framing.js').scanStream
  readonly descriptorSource: typeof import('./byte-source.js').descriptorSource
  readonly unsupportedIn: typeof import('./type-support.js').unsupportedIn
}

async function loadReaders(): Promise<Readers> {
  const [{ scanStream }, { descriptorSource }, { unsupportedIn }] = await Promise.all([import('./ipc-framing.js'), import('./byte-source.js'), import('./type-support.js')])
  return { scanStream, descriptorSource, unsupportedIn }
}

/** inspectStreamFile, sharing `scratch` with the table's other files. */
async function inspectFile(directory: string, name: string, options: InspectOptions, scratch: InspectionScratch): Promise<StreamFileInspection | OddEntry> {
  const path = entryPath(directory, name)
  let fd: number
  try {
    fd = openBufferFileSync(path)
  } catch (error) {
    const odd = oddOpenFailure(error)
    if (odd) return { name, reason: odd }
    throw error
  }
  try {
    return await inspectDescriptor(fd, name, path, options, scratch)
  } finally {
    closeSync(fd)
  }
}

/** Why an entry could not be opened as a stream file, when the reason is the entry itself (a link, a socket, no permission). */
export function oddOpenFailure(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ELOOP') return 'a symbolic link: bufctl never follows links in a table directory'
  if (code === 'ENXIO') return 'a socket, not a file'
  if (code === 'EACCES' || code === 'EPERM') return 'bufctl may not read it (permission denied)'
  return undefined
}

/**
 * What the stream file open on `fd` holds (the caller opened it, without following a link or
 * waiting on a FIFO, and closes it); `name` and `path` only label the result.
 */
export async function inspectDescriptor(
  fd: number,
  name: string,
  path: string,
  options: InspectOptions = {},
  scratch: InspectionScratch = {},
): Promise<StreamFileInspection | OddEntry> {
  const info = fstatSync(fd)
  if (!info.isFile()) return { name, reason: `${info.isDirectory() ? 'a directory' : info.isFIFO() ? 'a FIFO' : 'not a regular file'}, not a stream file` }
  const { scanStream, descriptorSource, unsupportedIn } = (scratch.readers ??= await loadReaders())
  const scan = await scanStream(descriptorSource(fd, info.size, scratch), 0, (scratch.schemas ??= new BytesMemo()))
  const schema = scan.messages[0]?.kind === 'schema' ? scan.messages[0] : undefined
  // A scan that found a schema message has it parsed (schemaHeader), shared by the files of that schema.
  const header = schema && scan.schemaHeader
  let unsupported: Unsupported | undefined
  const known = (scratch.unsupported ??= new Map<ParsedHeader, Unsupported | undefined>())
  if (header && known.has(header)) unsupported = known.get(header)
  else if (header) {
    // The first file of its schema: the message is read again (the scan's window has moved on since).
    const bytes = Buffer.allocUnsafe(schema.end - schema.offset)
    readSync(fd, bytes, 0, bytes.byteLength, schema.offset)
    unsupported = unsupportedIn(bytes, options.maxColumns)
    known.set(header, unsupported)
  }
  const file = describeScan(name, path, info.mtimeMs, scan, unsupported)
  options.onScan?.(file, scan)
  return file
}

/** One object literal with every field: tens of thousands of these are held at once, and a spread copy would give each a map of its own. */
function describeScan(name: string, path: string, mtimeMs: number, scan: StreamScan, unsupported: Unsupported | undefined): StreamFileInspection {
  const schema = scan.messages[0]
  return {
    name,
    path,
    bytes: scan.size,
    rows: scan.rows,
    recordBatches: scan.recordBatches,
    mtimeMs,
    endOfStream: scan.endOfStream,
    droppedBytes: scan.size - scan.validEnd,
    damage: scan.damage,
    schemaEnd: schema?.kind === 'schema' ? schema.end : undefined,
    unsupported,
  }
}

/** The bytes of a stream file's schema message (enough to decode its schema), or undefined. */
export async function readSchemaMessage(file: StreamFileInspection): Promise<Uint8Array | undefined> {
  if (file.schemaEnd === undefined) return undefined
  const bytes = new Uint8Array(file.schemaEnd)
  const handle = await openBufferFile(file.path)
  try {
    const { bytesRead } = await handle.read(bytes, 0, bytes.byteLength, 0)
    return bytesRead === bytes.byteLength ? bytes : undefined
  } finally {
    await handle.close()
  }
}

/** The stream files in the order a drain reads them: pending files in sequence, then the active one. */
export function drainOrder(inspection: Pick<TableInspection, 'pending' | 'active'>): StreamFileInspection[] {
  return [...inspection.pending, ...(inspection.active ? [inspection.active] : [])]
}

/** Every stream file of a table, active first, then pending in order. */
export function streamFiles(inspection: TableInspection): StreamFileInspection[] {
  return inspection.active ? [inspection.active, ...inspection.pending] : [...inspection.pending]
}
