/**
 * The states of a drain's commit and the steps between them, as the running commit (drain-commit)
 * and the next run after a crash (journal-resolution) both take them:
 *
 *   held → writing → durable → published → finished
 *
 * Up to `durable` the way out of a failure is back: undo (outputs removed, files given their names
 * back). From `durable` the way is forward: publish (the destination makes the outputs visible — an
 * Iceberg commit; nothing for a directory), then finish (the files deleted or quarantined, the
 * journal removed). A publication that fails so that nothing of it can ever land is undone after
 * all; one whose fate cannot be told yet leaves the journal durable, and the next run goes on
 * from there.
 */
import { RollbackError } from '../errors.js'
import { isStoreFailure } from '../store-errors.js'
import type { OutputSink } from '../sink/output-sink.js'
import { readJournal, removeJournal, type JournalRecord } from './commit-journal.js'
import { crashPoint } from './crash-points.js'
import type { Destination } from './destination.js'
import { finishFiles, releaseFiles } from './held-files.js'
import { readFooter } from './output-verification.js'

/**
 * durable → published → finished; resolves to the snapshot that holds the outputs (a table's).
 * Throws when publishing fails: the commit is then undone, or left durable when its fate is unknown.
 */
export async function finishDurable(directory: string, record: JournalRecord, destination: Destination, signal?: AbortSignal): Promise<string | undefined> {
  let snapshot: string | undefined
  try {
    snapshot = await destination.publish(directory, record, signal)
  } catch (error) {
    // The journal as publishing left it: it names every attempt that went out.
    const current = (await readJournal(directory, record.table).catch(() => undefined)) ?? record
    let withdrawal
    try {
      withdrawal = await destination.withdraw(directory, current)
    } catch {
      // Whether it landed cannot be told now: the journal stays durable for the next run.
      throw error
    }
    if (withdrawal === 'withdrawn') {
      await undo(directory, current, destination.sink)
      throw error
    }
  }
  crashPoint('published')
  await finishFiles(directory, record.files)
  crashPoint('files-committed')
  await removeJournal(directory)
  return snapshot
}

/**
 * Removes a commit's outputs and gives its files their pending names back; the journal goes last.
 * Only an output that carries this commit's drain in its footer is removed (with what a writer
 * left half-written beside it, such as the multipart uploads the journal recorded): any other file
 * of the same name is not this commit's and stays.
 */
export async function undo(directory: string, record: JournalRecord, sink: OutputSink): Promise<void> {
  for (const output of record.outputs) {
    try {
      const footer = await readFooter(sink, output.path).catch((error: unknown) => {
        if (isStoreFailure(error)) throw error
        return 'unreadable' as const
      })
      if (footer !== 'unreadable' && footer?.drain === record.drain) await sink.remove(output.path, output.partials)
      else await sink.removePartial(output.path, output.partials)
    } catch (error) {
      throw new RollbackError(sink.locate(output.path), directory, error)
    }
  }
  await releaseFiles(directory, record.files)
  await removeJournal(directory)
}
