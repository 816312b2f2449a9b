/**
 * `<table>/quarantine/`: where bufctl keeps input it could not write whole — files with no
 * complete batch, and damaged originals whose complete batches were salvaged. Nothing is deleted;
 * the exporter ignores sub-directories. Beside each file, `<file>.reason.json` records why and
 * when it was moved, what it was then (size, modification time) and whether its rows were written:
 * `bufctl quarantine restore` requires that record, so a salvaged original never goes back.
 */
import { UnsafeEntryError } from '../errors.js'
import { writeFileAtomically } from '../fs-util.js'
import { QUARANTINE_DIR } from '../format/table-directory.js'
import { makeDirectory } from '../ownership.js'
import { PinnedDirectory, withPinnedDirectory } from '../pinned-directory.js'

/** The sidecar that records why a quarantined file was moved. */
export const REASON_SUFFIX = '.reason.json'

export interface QuarantineReason {
  /** Why the file was moved. */
  readonly reason: string
  /** The name it had in the table directory. */
  readonly from: string
  readonly movedAt: string
  readonly bytes: number
  /** Its modification time when it was moved (a rename keeps it): a file that differs is not the one recorded. */
  readonly mtimeMs?: number
  /** Its complete batches were written (or drained) when it was moved: restoring it would write them twice. */
  readonly written?: boolean
}

/**
 * Moves a file of the table directory into `<table>/quarantine/` under `as` (its own name by
 * default), never over an earlier one of the same name, and records why; returns the new path, or
 * undefined when the file is already gone. A quarantine/ that is not a plain directory (a link
 * planted there) is refused: input never leaves the spill root.
 */
export async function moveToQuarantine(
  directory: string,
  name: string,
  reason: string,
  options: { readonly as?: string; readonly written?: boolean } = {},
): Promise<string | undefined> {
  return withPinnedDirectory(directory, async (table) => {
    const info = table.lstat(name)
    if (!info) return undefined
    // A link planted as quarantine/ makes mkdir fail or pass; either way the pinned open below refuses it.
    await makeDirectory(`${table.handlePath}/${QUARANTINE_DIR}`).catch(() => undefined)
    const quarantine = openQuarantine(table)
    if (!quarantine) throw new UnsafeEntryError(`${table.path}/${QUARANTINE_DIR}`, 'could not be created')
    try {
      const as = options.as ?? name
      let target = as
      for (let n = 1; quarantine.lstat(target) || quarantine.lstat(`${target}${REASON_SUFFIX}`); n++) target = `${as}.${n}`
      const record: QuarantineReason = { reason, from: as, movedAt: new Date().toISOString(), bytes: info.size, mtimeMs: info.mtimeMs, written: options.written ?? false }
      await writeFileAtomically(`${quarantine.handlePath}/${target}${REASON_SUFFIX}`, new TextEncoder().encode(`${JSON.stringify(record, null, 2)}\n`))
      table.rename(name, quarantine, target)
      quarantine.sync()
      return `${quarantine.path}/${target}`
    } finally {
      quarantine.close()
    }
  })
}

/** The table's quarantine/, pinned; undefined when there is none. Anything but a plain directory there is refused. */
export function openQuarantine(table: PinnedDirectory): PinnedDirectory | undefined {
  try {
    return table.openDirectory(QUARANTINE_DIR)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP' || code === 'ENOTDIR') throw new UnsafeEntryError(`${table.path}/${QUARANTINE_DIR}`, 'is not a directory but a link or a file')
    throw error
  }
}
