/**
 * What opening a table directory does first, as the exporter does: an orphaned `active.ipc` with
 * complete batches becomes the next pending file (after every existing one); one without any
 * complete batch cannot become one (it would block the exporter's next open): an empty or
 * schema-only file is removed, a damaged one is moved to quarantine/, never deleted.
 */
import { readdir, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { fsyncDirectory, removeIfExists } from '../fs-util.js'
import { BUFCTL_TEMPORARY_PATTERN, pendingFileName, pendingSequence } from '../format/table-directory.js'
import { inspectTable, type StreamFileInspection, type TableInspection } from '../format/table-scan.js'
import { IngestLedger } from './ingest-ledger.js'
import { pendingFile, type PendingFile } from './pending-files.js'
import { moveToQuarantine } from './quarantine.js'

/**
 * Promotes an orphaned active file and describes every pending file, in sequence order, from one
 * inspection of the directory (the caller's, when it has just made one).
 */
export async function recoverDirectory(directory: string, fsync: boolean, known?: TableInspection): Promise<PendingFile[]> {
  // Before bufctl's temporary files go: an interrupted ingest is settled from whether its copy is there.
  await IngestLedger.resolve(directory)
  for (const name of await readdir(directory)) if (BUFCTL_TEMPORARY_PATTERN.test(name)) await removeIfExists(join(directory, name))
  const inspection = known ?? (await inspectTable(dirname(directory), basename(directory)))
  const pending = inspection.pending.map((file) => describePending(directory, file, file.name, pendingSequence(file.name)!))
  const active = inspection.active
  if (active) {
    if (active.recordBatches > 0) {
      const sequence = (pending.at(-1)?.sequence ?? 0) + 1
      const name = pendingFileName(sequence)
      await rename(active.path, join(directory, name))
      // A rename changes neither bytes nor modification time: the inspection still holds.
      pending.push(describePending(directory, active, name, sequence))
    } else if (active.damage) {
      // Torn or damaged before its first complete batch: no row to read, but bytes someone may want.
      await moveToQuarantine(directory, active.name, `an orphaned active.ipc with no complete batch: ${active.damage.reason}`)
    } else {
      // 0 bytes, or a schema and nothing else: it holds no data at all.
      await unlink(active.path)
    }
    if (fsync) await fsyncDirectory(directory)
  }
  return pending
}

function describePending(directory: string, file: StreamFileInspection, name: string, sequence: number): PendingFile {
  return pendingFile(directory, name, sequence, { bytes: file.bytes, rows: file.rows, mtimeMs: file.mtimeMs, damagedBytes: file.droppedBytes })
}
