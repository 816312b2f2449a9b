/**
 * Removes quarantined files (and their reason records) once they have been looked at: exactly the
 * files listed to the operator, through the directories that were listed (held open in between),
 * each only while it is still the file that was listed. Nothing outside the spill root is reached.
 */
import { REASON_SUFFIX } from '../buffer/quarantine.js'
import { openSpillRoot, selectTables } from '../format/spill-root.js'
import { QuarantineOfTable, type QuarantinedFile, type ScannedFile } from './quarantine-scan.js'

export interface PurgeOptions {
  readonly tables?: readonly string[]
  /** Only files moved at least this long ago. */
  readonly olderThanMs?: number
  /**
   * Asked with the files chosen, before anything is deleted: false deletes nothing (a dry run, or
   * an operator who said no). @default () => true
   */
  readonly confirm?: (chosen: readonly QuarantinedFile[]) => Promise<boolean> | boolean
}

export interface PurgeResult {
  /** The files chosen (and shown to confirm). */
  readonly chosen: readonly QuarantinedFile[]
  /** The files deleted. */
  readonly removed: readonly QuarantinedFile[]
  /** Chosen files left in place because they changed (or went) after they were listed. */
  readonly changed: readonly QuarantinedFile[]
}

export async function purgeQuarantine(root: string, options: PurgeOptions = {}): Promise<PurgeResult> {
  const spill = await openSpillRoot(root)
  const now = Date.now()
  const opened: { table: QuarantineOfTable; files: ScannedFile[] }[] = []
  try {
    for (const name of selectTables(spill, options.tables)) {
      const table = QuarantineOfTable.open(root, name)
      opened.push({ table, files: [] })
      const files = (await table.scan()).filter((file) => options.olderThanMs === undefined || now - Date.parse(file.described.movedAt) >= options.olderThanMs)
      opened.at(-1)!.files.push(...files)
    }
    const chosen = opened.flatMap((entry) => entry.files.map((file) => file.described))
    if (chosen.length === 0 || !(await (options.confirm?.(chosen) ?? true))) return { chosen, removed: [], changed: [] }
    const removed: QuarantinedFile[] = []
    const changed: QuarantinedFile[] = []
    for (const { table, files } of opened) {
      const quarantine = table.quarantine
      if (!quarantine || files.length === 0) continue
      for (const file of files) {
        if (!quarantine.unlink(file.name, file.identity)) {
          changed.push(file.described)
          continue
        }
        // The record goes with its file (a record that is not a plain file stays).
        const record = Buffer.concat([file.name, Buffer.from(REASON_SUFFIX)])
        if (quarantine.lstat(record)?.isFile()) quarantine.unlink(record)
        removed.push(file.described)
      }
      quarantine.sync()
    }
    return { chosen, removed, changed }
  } finally {
    for (const { table } of opened) table.close()
  }
}
