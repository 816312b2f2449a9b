/**
 * What each table's `quarantine/` holds: every file with why and when it was moved (its
 * `.reason.json`), its size, its rows when it can be read, and whether restore would take it —
 * read-only, no lock taken, nothing followed outside the spill root.
 */
import { openSpillRoot, selectTables } from '../format/spill-root.js'
import { QuarantineOfTable, type QuarantinedFile } from './quarantine-scan.js'

export async function listQuarantine(root: string, tables?: readonly string[]): Promise<QuarantinedFile[]> {
  const spill = await openSpillRoot(root)
  const found: QuarantinedFile[] = []
  for (const table of selectTables(spill, tables)) {
    const opened = QuarantineOfTable.open(root, table)
    try {
      for (const file of await opened.scan()) found.push(file.described)
    } finally {
      opened.close()
    }
  }
  return found
}
