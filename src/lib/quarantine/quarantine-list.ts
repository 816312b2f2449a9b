/**
 * What each table's `quarantine/` holds: every file with why and when it was moved (its
 * `.reason.json`), its size, and its rows when it can be read — read-only, no lock taken.
 */
import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { REASON_SUFFIX, type QuarantineReason } from '../buffer/quarantine.js'
import { openSpillRoot, selectTables } from '../format/spill-root.js'
import { QUARANTINE_DIR } from '../format/table-directory.js'
import { inspectStreamFile } from '../format/table-scan.js'
import { readTrusted } from '../replay/commit-journal.js'
import { classify, type Verdict } from '../replay/file-verdict.js'

export interface QuarantinedFile {
  readonly table: string
  /** Its name in quarantine/. */
  readonly file: string
  readonly path: string
  readonly bytes: number
  /** When it was moved (its reason record), else its modification time. */
  readonly movedAt: string
  readonly reason: string
  /** Its complete batches were written to Parquet when it was moved: it cannot be restored. */
  readonly written: boolean
  /** How recover would judge it now. */
  readonly verdict: Verdict | 'not-a-file'
  /** Rows in its complete batches. */
  readonly rows: number
}

export async function listQuarantine(root: string, tables?: readonly string[]): Promise<QuarantinedFile[]> {
  const spill = await openSpillRoot(root)
  const found: QuarantinedFile[] = []
  for (const table of selectTables(spill, tables)) {
    const directory = join(root, table, QUARANTINE_DIR)
    const names = await readdir(directory).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    })
    for (const name of names.filter((entry) => !entry.endsWith(REASON_SUFFIX)).sort()) found.push(await describe(table, directory, name))
  }
  return found
}

/** One quarantined file, described. */
export async function describe(table: string, directory: string, name: string): Promise<QuarantinedFile> {
  const path = join(directory, name)
  const info = await lstat(path)
  const record = await readReason(`${path}${REASON_SUFFIX}`)
  const base = {
    table,
    file: name,
    path,
    bytes: info.size,
    movedAt: record?.movedAt ?? info.mtime.toISOString(),
    reason: record?.reason ?? 'no reason recorded',
    // Records written before `written` existed say it in words.
    written: record?.written ?? /complete batches were (written|drained)/.test(record?.reason ?? ''),
  }
  if (!info.isFile()) return { ...base, verdict: 'not-a-file', rows: 0 }
  const inspected = await inspectStreamFile(directory, name)
  if ('reason' in inspected) return { ...base, verdict: 'not-a-file', rows: 0 }
  return { ...base, verdict: classify(inspected), rows: inspected.rows }
}

async function readReason(path: string): Promise<QuarantineReason | undefined> {
  try {
    const text = await readTrusted(path)
    if (text === undefined) return undefined
    const value = JSON.parse(text) as Partial<QuarantineReason>
    return typeof value.reason === 'string' ? (value as QuarantineReason) : undefined
  } catch {
    return undefined
  }
}
