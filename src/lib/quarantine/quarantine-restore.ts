/**
 * Puts a quarantined file back as the table's next pending file, under the table's lock, once it
 * passes the checks recover would make: it holds at least one complete batch of a type Parquet
 * takes, it has the schema of the table's other files, and none of its rows were written when it
 * was moved (a salvaged original: restoring it would write its complete batches twice).
 */
import { readdir, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { RestoreRefusedError } from '../errors.js'
import { InputNotFoundError } from '../usage-errors.js'
import { withDirectoryLock } from '../buffer/directory-lock.js'
import { REASON_SUFFIX } from '../buffer/quarantine.js'
import { decodeSchema, fieldList, sameSchema } from '../format/batch-codec.js'
import { openSpillRoot, selectTables } from '../format/spill-root.js'
import { JOURNAL_FILE, QUARANTINE_DIR, pendingFileName, pendingSequence, HELD_PREFIX } from '../format/table-directory.js'
import { inspectTable, inspectStreamFile, readSchemaMessage, streamFiles, type StreamFileInspection } from '../format/table-scan.js'
import { fsyncDirectory } from '../fs-util.js'
import { describeSetAside, classify } from '../replay/file-verdict.js'
import { describe } from './quarantine-list.js'

export interface RestoredFile {
  readonly table: string
  readonly from: string
  /** Its pending name now. */
  readonly to: string
  readonly rows: number
}

export async function restoreFromQuarantine(root: string, table: string, file: string): Promise<RestoredFile> {
  const [name] = selectTables(await openSpillRoot(root), [table])
  const directory = join(root, name!)
  const quarantine = join(directory, QUARANTINE_DIR)
  if (file.includes('/') || file.endsWith(REASON_SUFFIX) || file.startsWith('.')) throw new InputNotFoundError(join(quarantine, file), 'not a quarantined file name')
  return withDirectoryLock(directory, async () => {
    const entry = await describe(name!, quarantine, file).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new InputNotFoundError(join(quarantine, file), 'no such file in quarantine/ (see bufctl quarantine list)')
      throw error
    })
    const refuse = (reason: string) => new RestoreRefusedError(entry.path, reason)
    if (entry.written) throw refuse('its complete batches were written to Parquet when it was quarantined; restoring it would write those rows twice')
    const names = await readdir(directory)
    if (names.includes(JOURNAL_FILE) || names.some((entry) => entry.startsWith(HELD_PREFIX))) throw refuse('the table has an interrupted commit: run bufctl recover first')
    const inspected = await inspectStreamFile(quarantine, file)
    if ('reason' in inspected) throw refuse(inspected.reason)
    const verdict = classify(inspected)
    if (verdict === 'unreadable' || verdict === 'unsupported') throw refuse(`recover would quarantine it again: ${describeSetAside(inspected)}`)
    await checkSchema(inspected, streamFiles(await inspectTable(root, name!)), refuse)
    const sequences = names.map(pendingSequence).filter((sequence): sequence is number => sequence !== undefined)
    const to = pendingFileName(Math.max(0, ...sequences) + 1)
    await rename(inspected.path, join(directory, to))
    await unlink(`${inspected.path}${REASON_SUFFIX}`).catch(() => undefined)
    await fsyncDirectory(directory)
    await fsyncDirectory(quarantine)
    return { table: name!, from: file, to, rows: inspected.rows }
  })
}

/** The exporter joins a table's batches by column position: a restored file must have the table's schema. */
async function checkSchema(file: StreamFileInspection, others: readonly StreamFileInspection[], refuse: (reason: string) => Error): Promise<void> {
  const other = others.find((candidate) => candidate.schemaEnd !== undefined)
  if (!other) return
  const [mine, theirs] = await Promise.all([readSchemaMessage(file), readSchemaMessage(other)])
  const a = mine && decodeSchema(mine)
  const b = theirs && decodeSchema(theirs)
  if (a && b && !sameSchema(a, b)) throw refuse(`its schema ${fieldList(a)} differs from the table's (${other.name}: ${fieldList(b)})`)
}
