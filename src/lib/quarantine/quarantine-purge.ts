/** Removes quarantined files (and their reason records) once they have been looked at. */
import { unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import { REASON_SUFFIX } from '../buffer/quarantine.js'
import { fsyncDirectory } from '../fs-util.js'
import { listQuarantine, type QuarantinedFile } from './quarantine-list.js'

export interface PurgeOptions {
  readonly tables?: readonly string[]
  /** Only files moved at least this long ago. */
  readonly olderThanMs?: number
}

/** The quarantined files a purge with these options would remove. */
export async function selectForPurge(root: string, options: PurgeOptions = {}): Promise<QuarantinedFile[]> {
  const now = Date.now()
  return (await listQuarantine(root, options.tables)).filter((entry) => options.olderThanMs === undefined || now - Date.parse(entry.movedAt) >= options.olderThanMs)
}

/** Removes exactly these files (what the operator confirmed, not what has arrived since); one already gone is fine. */
export async function removeQuarantined(entries: readonly QuarantinedFile[]): Promise<void> {
  for (const entry of entries) {
    await unlink(entry.path).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    })
    await unlink(`${entry.path}${REASON_SUFFIX}`).catch(() => undefined)
  }
  for (const directory of new Set(entries.map((entry) => dirname(entry.path)))) await fsyncDirectory(directory)
}
