/**
 * A spill root and its tables: one directory per table. A link is never a table (bufctl does not
 * follow links inside a spill root, whichever command runs), and entries that cannot be table
 * directories are left out and reported, so one odd entry never fails the others.
 */
import { lstat, readdir } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { NotSpillRootError, PermissionError, RootNotFoundError, TableNotFoundError } from '../usage-errors.js'
import { ACTIVE_FILE, LOCK_FILE, pendingSequence, tableDirectoryName } from './table-directory.js'

export interface IgnoredEntry {
  readonly name: string
  readonly reason: string
}

export interface SpillRoot {
  readonly root: string
  /** Table directory names, sorted. */
  readonly tables: readonly string[]
  /** Entries of the root that are not tables. */
  readonly ignored: readonly IgnoredEntry[]
}

/** Lists a spill root; fails with an error that says what to do when it is missing or is a table directory. */
export async function openSpillRoot(root: string): Promise<SpillRoot> {
  let entries
  try {
    entries = await readdir(root, { withFileTypes: true })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new RootNotFoundError(root, 'does not exist')
    if (code === 'ENOTDIR') throw new RootNotFoundError(root, 'is not a directory')
    if (code === 'EACCES' || code === 'EPERM') throw new PermissionError(root, error)
    throw error
  }
  const names = entries.map((entry) => entry.name)
  if (names.includes(LOCK_FILE) || names.includes(ACTIVE_FILE) || names.some((name) => pendingSequence(name) !== undefined)) {
    throw new NotSpillRootError(root, dirname(resolve(root)))
  }
  const tables: string[] = []
  const ignored: IgnoredEntry[] = []
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue
    if (entry.isSymbolicLink()) ignored.push({ name: entry.name, reason: 'a symbolic link: bufctl does not follow links in a spill root' })
    else if (!entry.isDirectory()) continue
    // A name that is not UTF-8 cannot be named back to the file system reliably.
    else if (entry.name.includes('\uFFFD')) ignored.push({ name: entry.name, reason: 'its name is not valid UTF-8' })
    else tables.push(entry.name)
  }
  return { root, tables: tables.sort(), ignored }
}

/** The table directories to work on: all, or those asked for (by table name or directory name). */
export function selectTables(spill: SpillRoot, requested: readonly string[] | undefined): string[] {
  if (!requested?.length) return [...spill.tables]
  return [...new Set(requested)].map((table) => {
    const directory = spill.tables.includes(table) ? table : tableDirectoryName(table)
    if (!spill.tables.includes(directory)) throw new TableNotFoundError(spill.root, table, spill.tables)
    return directory
  })
}

/** Whether a path is a real directory (not a link to one). */
export async function isPlainDirectory(path: string): Promise<boolean> {
  const info = await lstat(path).catch(() => undefined)
  return info?.isDirectory() ?? false
}
