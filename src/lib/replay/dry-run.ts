/** A dry run of flush or recover on one table: what drainTable would do, from metadata only. */
import { LockHeldError } from '../errors.js'
import { lockState } from '../buffer/directory-lock.js'
import { inspectTable, streamFiles } from '../format/table-scan.js'
import { classify, describeUnreadable, refuseDamage } from './file-verdict.js'
import type { ReplayMode, TableReplayDraft } from './replay-report.js'

export async function planTable(report: TableReplayDraft, root: string, mode: ReplayMode): Promise<void> {
  const state = await lockState(report.directory)
  if (state.inUse) throw new LockHeldError(report.directory, state.holderPid)
  const inspection = await inspectTable(root, report.table)
  const files = streamFiles(inspection)
  if (mode === 'flush') refuseDamage(files)
  for (const file of files) {
    const verdict = classify(file)
    if (verdict === 'unreadable' && mode === 'recover') report.quarantined.push({ file: file.name, reason: describeUnreadable(file) })
    if (verdict === 'damaged') report.salvaged.push({ file: file.name, rows: file.rows, droppedBytes: file.droppedBytes, reason: file.damage!.reason })
  }
  report.files = files.filter((file) => file.rows > 0).map((file) => file.name)
  report.rows = files.reduce((sum, file) => sum + file.rows, 0)
  report.status = report.rows > 0 ? 'done' : 'empty'
}
