/**
 * Read-only views of a spill root: which table directories it has, and what each stream file
 * holds, from message metadata only. Nothing here takes a lock or changes a byte, so it is safe
 * while the exporter runs.
 */
import { open, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { InputNotFoundError } from '../errors.js'
import type { StreamDamage, StreamScan } from './ipc-framing.js'
import { ACTIVE_FILE, sortedPendingFiles } from './table-directory.js'

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
  readonly scan: StreamScan
}

export interface TableInspection {
  readonly table: string
  readonly directory: string
  readonly active?: StreamFileInspection
  /** In sequence order. */
  readonly pending: readonly StreamFileInspection[]
}

/** The table directories of a spill root, sorted by name. */
export async function listTables(root: string): Promise<string[]> {
  let entries
  try {
    entries = await readdir(root, { withFileTypes: true })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new InputNotFoundError(root, 'the spill root does not exist')
    if (code === 'ENOTDIR') throw new InputNotFoundError(root, 'the spill root is not a directory')
    throw error
  }
  return entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort()
}

export async function inspectTable(root: string, table: string): Promise<TableInspection> {
  const directory = join(root, table)
  const names = await readdir(directory)
  const active = names.includes(ACTIVE_FILE) ? await inspectStreamFile(directory, ACTIVE_FILE) : undefined
  const pending: StreamFileInspection[] = []
  for (const { name } of sortedPendingFiles(names)) pending.push(await inspectStreamFile(directory, name))
  return { table, directory, active, pending }
}

export async function inspectStreamFile(directory: string, name: string): Promise<StreamFileInspection> {
  const path = join(directory, name)
  // Loaded on first use: status of an empty root never needs the Arrow message accessors.
  const { scanFile } = await import('./ipc-framing.js')
  const [scan, info] = await Promise.all([scanFile(path), stat(path)])
  const schema = scan.messages[0]
  return {
    name,
    path,
    bytes: scan.size,
    rows: scan.rows,
    recordBatches: scan.recordBatches,
    mtimeMs: info.mtimeMs,
    endOfStream: scan.endOfStream,
    droppedBytes: scan.size - scan.validEnd,
    damage: scan.damage,
    schemaEnd: schema?.kind === 'schema' ? schema.end : undefined,
    scan,
  }
}

/** The bytes of a stream file's schema message (enough to decode its schema), or undefined. */
export async function readSchemaMessage(file: StreamFileInspection): Promise<Uint8Array | undefined> {
  if (file.schemaEnd === undefined) return undefined
  const bytes = new Uint8Array(file.schemaEnd)
  const handle = await open(file.path, 'r')
  try {
    const { bytesRead } = await handle.read(bytes, 0, bytes.byteLength, 0)
    return bytesRead === bytes.byteLength ? bytes : undefined
  } finally {
    await handle.close()
  }
}

/** Every stream file of a table, active first, then pending in order. */
export function streamFiles(inspection: TableInspection): StreamFileInspection[] {
  return inspection.active ? [inspection.active, ...inspection.pending] : [...inspection.pending]
}
