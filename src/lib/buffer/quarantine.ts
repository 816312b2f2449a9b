/**
 * `<table>/quarantine/`: where bufctl keeps input it could not write whole — files with no
 * complete batch, and damaged originals whose complete batches were salvaged. Nothing is deleted;
 * the exporter ignores sub-directories. Beside each file, `<file>.reason.json` records why and
 * when it was moved, for `bufctl quarantine list` and for the person who looks.
 */
import { lstat, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fsyncDirectory, writeFileAtomically } from '../fs-util.js'
import { QUARANTINE_DIR } from '../format/table-directory.js'
import { makeDirectory } from '../ownership.js'

/** The sidecar that records why a quarantined file was moved. */
export const REASON_SUFFIX = '.reason.json'

export interface QuarantineReason {
  /** Why the file was moved. */
  readonly reason: string
  /** The name it had in the table directory. */
  readonly from: string
  readonly movedAt: string
  readonly bytes: number
  /** Its complete batches were written (or drained) when it was moved: restoring it would write them twice. */
  readonly written?: boolean
}

/**
 * Moves a file into `<table>/quarantine/` under `as` (its own name by default), never over an
 * earlier one of the same name, and records why; returns the new path, or undefined when the file
 * is already gone.
 */
export async function moveToQuarantine(
  directory: string,
  name: string,
  reason: string,
  options: { readonly as?: string; readonly written?: boolean } = {},
): Promise<string | undefined> {
  const as = options.as ?? name
  const source = join(directory, name)
  const info = await lstat(source).catch(() => undefined)
  if (!info) return undefined
  const quarantine = join(directory, QUARANTINE_DIR)
  await makeDirectory(quarantine)
  // A quarantine/ that is a link would move input out of the spill root.
  if (!(await lstat(quarantine)).isDirectory()) throw new Error(`${quarantine} is not a directory (a link?); bufctl moves nothing there`)
  let target = join(quarantine, as)
  for (let n = 1; await present(target); n++) target = join(quarantine, `${as}.${n}`)
  const record: QuarantineReason = { reason, from: as, movedAt: new Date().toISOString(), bytes: info.size, written: options.written ?? false }
  await writeFileAtomically(`${target}${REASON_SUFFIX}`, new TextEncoder().encode(`${JSON.stringify(record, null, 2)}\n`))
  await rename(source, target)
  await fsyncDirectory(quarantine)
  return target
}

async function present(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined || (await lstat(path).catch(() => undefined)) !== undefined
}
