/**
 * Puts a quarantined file back as the table's next pending file, under the table's lock, once it
 * passes the checks recover would make — it holds at least one complete batch of a type Parquet
 * takes and has the schema of the table's other files — and once its past is known: its reason
 * record describes this very file and says none of its rows were written, and no kept commit
 * names it. Without such knowledge it stays, unless the operator forces it (with a warning).
 */
import { closeSync, constants, openSync, readSync } from 'node:fs'
import { join } from 'node:path'
import { RestoreRefusedError } from '../errors.js'
import { InputNotFoundError } from '../usage-errors.js'
import { withDirectoryLock } from '../buffer/directory-lock.js'
import { REASON_SUFFIX } from '../buffer/quarantine.js'
import { decodeSchema, fieldList, sameSchema } from '../format/batch-codec.js'
import { openSpillRoot, selectTables } from '../format/spill-root.js'
import { JOURNAL_FILE, pendingFileName, pendingSequence, HELD_PREFIX } from '../format/table-directory.js'
import { inspectTable, readSchemaMessage, streamFiles, type StreamFileInspection } from '../format/table-scan.js'
import { display, identityOf, sameIdentity } from '../pinned-directory.js'
import { readKeptLedger } from '../replay/kept-ledger.js'
import { QuarantineOfTable, type ScannedFile } from './quarantine-scan.js'

export interface RestoreOptions {
  /** Restore a file whose past is not known (no record, a record of another file, a kept commit's): its rows may be written twice. @default false */
  readonly force?: boolean
}

export interface RestoredFile {
  readonly table: string
  readonly from: string
  /** Its pending name now. */
  readonly to: string
  readonly rows: number
  /** What --force overrode: why the file would otherwise have stayed. */
  readonly forced?: string
}

export async function restoreFromQuarantine(root: string, table: string, file: string, options: RestoreOptions = {}): Promise<RestoredFile> {
  const [name] = selectTables(await openSpillRoot(root), [table])
  const directory = join(root, name!)
  const shown = join(directory, 'quarantine', file)
  if (file.includes('/') || file.endsWith(REASON_SUFFIX) || file.startsWith('.') || file === '') throw new InputNotFoundError(shown, 'not a quarantined file name', LIST_HINT)
  return withDirectoryLock(directory, async () => {
    const opened = QuarantineOfTable.open(root, name!)
    try {
      const entry = (await opened.scan()).find((candidate) => candidate.described.file === file)
      if (!entry) throw new InputNotFoundError(shown, 'no such file in quarantine/', LIST_HINT)
      const refuse = (reason: string) => new RestoreRefusedError(entry.described.path, reason)
      const names = opened.directory.names().map((raw) => raw.toString())
      if (names.includes(JOURNAL_FILE) || names.some((entry) => entry.startsWith(HELD_PREFIX))) throw refuse('the table has an interrupted commit: run bufctl recover first')
      const history = entry.described.refusal ?? (await keptRefusal(directory, name!, entry))
      if (history !== undefined && !(options.force && entry.forceable)) throw refuse(entry.forceable ? `${history} (--force restores it anyway)` : history)
      await checkSchema(opened, entry, streamFiles(await inspectTable(root, name!)), refuse)
      const sequences = names.map(pendingSequence).filter((sequence): sequence is number => sequence !== undefined)
      const to = pendingFileName(Math.max(0, ...sequences) + 1)
      const quarantine = opened.quarantine!
      // Only the very file that was checked goes back.
      const now = quarantine.lstat(entry.name)
      if (!now || !sameIdentity(identityOf(now), entry.identity) || now.size !== entry.described.bytes) throw refuse('it changed while it was being checked')
      quarantine.rename(entry.name, opened.directory, to)
      const record = Buffer.concat([entry.name, Buffer.from(REASON_SUFFIX)])
      if (quarantine.lstat(record)?.isFile()) quarantine.unlink(record)
      opened.directory.sync()
      quarantine.sync()
      return { table: name!, from: display(entry.name), to, rows: entry.described.rows, forced: history }
    } finally {
      opened.close()
    }
  })
}

const LIST_HINT = 'bufctl quarantine list shows the files each table holds there, by name'

/** A quarantined file that a kept commit (written with --keep) names was written already. */
async function keptRefusal(directory: string, table: string, entry: ScannedFile): Promise<string | undefined> {
  const ledger = await readKeptLedger(directory, table).catch(() => undefined)
  const inspection = entry.inspection
  if (!ledger || !inspection) return undefined
  const named = ledger.kept.some((commit) => commit.files.some((file) => file.bytes === inspection.bytes && file.mtimeMs === inspection.mtimeMs))
  return named ? 'a commit made with --keep names this file: its rows were written already' : undefined
}

/** The exporter joins a table's batches by column position: a restored file must have the table's schema. */
async function checkSchema(opened: QuarantineOfTable, entry: ScannedFile, others: readonly StreamFileInspection[], refuse: (reason: string) => Error): Promise<void> {
  const other = others.find((candidate) => candidate.schemaEnd !== undefined)
  const schemaEnd = entry.inspection?.schemaEnd
  if (!other || schemaEnd === undefined) return
  const mine = readPrefix(opened, entry, schemaEnd)
  const theirs = await readSchemaMessage(other)
  const a = mine && decodeSchema(mine)
  const b = theirs && decodeSchema(theirs)
  if (a && b && !sameSchema(a, b)) throw refuse(`its schema ${fieldList(a)} differs from the table's (${other.name}: ${fieldList(b)})`)
}

function readPrefix(opened: QuarantineOfTable, entry: ScannedFile, length: number): Uint8Array | undefined {
  const fd = openSync(opened.quarantine!.entry(entry.name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  try {
    const bytes = new Uint8Array(length)
    return readSync(fd, bytes, 0, length, 0) === length ? bytes : undefined
  } finally {
    closeSync(fd)
  }
}
