/**
 * The drained files of a commit in flight carry the held prefix (table-directory), so that the
 * exporter — which knows nothing of bufctl's journal — can never flush them a second time. A file
 * is acted on only while it is still the file the journal names (same size and modification time),
 * so a newer file that reuses a name is never touched.
 *
 * A drain of thousands of small files makes these calls thousands of times, on one directory whose
 * entries inspection has just read: they are made synchronously (microseconds each) rather than as
 * a thread-pool round trip each, which took ~0.5 s per pass over 5,000 files.
 */
import { lstatSync, renameSync, type Stats } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { fsyncDirectory, removeIfExistsSync } from '../fs-util.js'
import { entryPath, heldFileName, pendingFileName, sortedPendingFiles } from '../format/table-directory.js'
import { moveToQuarantine } from '../buffer/quarantine.js'
import type { JournalFile } from './commit-journal.js'

/**
 * Where a journal's file is now: under its held name, its pending name, or gone. The name it most
 * likely has is looked at first (`likely`), so that a pass over thousands of files costs one lstat each.
 */
function locate(directory: string, file: JournalFile, likely: 'held' | 'pending' = 'held'): 'held' | 'pending' | undefined {
  for (const where of likely === 'held' ? HELD_FIRST : PENDING_FIRST) {
    const info = lstatQuietly(entryPath(directory, where === 'held' ? heldFileName(file.name) : file.name))
    if (info?.isFile() && info.size === file.bytes && info.mtimeMs === file.mtimeMs) return where
  }
  return undefined
}

const HELD_FIRST = ['held', 'pending'] as const
const PENDING_FIRST = ['pending', 'held'] as const

/** Gives the files their held names (a file already held is left as it is). */
export async function holdFiles(directory: string, files: readonly JournalFile[]): Promise<void> {
  // A held name is looked at first where one exists (a rename would replace it), else the pending one.
  const names = new Set(await readdir(directory))
  for (const file of files) {
    if (locate(directory, file, names.has(heldFileName(file.name)) ? 'held' : 'pending') === 'pending')
      renameSync(entryPath(directory, file.name), entryPath(directory, heldFileName(file.name)))
  }
  await fsyncDirectory(directory)
}

/**
 * Gives held files pending names again, in their order: their own, or — when the exporter has
 * reused a name meanwhile — fresh ones after every pending file. Returns the names they now have.
 */
export async function releaseFiles(directory: string, files: readonly JournalFile[]): Promise<string[]> {
  const released: string[] = []
  const names = new Set(await readdir(directory))
  for (const file of files) {
    const where = locate(directory, file)
    if (where === 'pending') released.push(file.name)
    if (where !== 'held') continue
    let target = file.name
    if (names.has(target)) target = pendingFileName((sortedPendingFiles(names).at(-1)?.sequence ?? 0) + 1)
    renameSync(entryPath(directory, heldFileName(file.name)), entryPath(directory, target))
    names.add(target)
    released.push(target)
  }
  await fsyncDirectory(directory)
  return released
}

/** The end of a commit: each file (held, or pending for a kept commit) is removed, or moved to quarantine. */
export async function finishFiles(directory: string, files: readonly JournalFile[]): Promise<void> {
  for (const file of files) {
    const where = locate(directory, file)
    if (!where) continue
    const name = where === 'held' ? heldFileName(file.name) : file.name
    if (file.quarantine) await moveToQuarantine(directory, name, 'damaged: its complete batches were written, the rest could not be read', { as: file.name, written: true })
    // locate() has just found a regular file: one unlink (rmSync would look at it again first).
    else removeIfExistsSync(entryPath(directory, name))
  }
  await fsyncDirectory(directory)
}

/** The entry's status, or undefined when it cannot be had (gone, or not ours to look at). */
function lstatQuietly(path: string): Stats | undefined {
  try {
    return lstatSync(path)
  } catch {
    return undefined
  }
}
