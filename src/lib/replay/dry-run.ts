/**
 * A dry run of flush or recover on one table: what drainTable would do, changing nothing and taking
 * no lock. It plans the drain as the real run would — reading every batch, checking the partition
 * column, naming every output file — so a failure the real run would meet is reported here too.
 */
import { LockHeldError } from '../errors.js'
import { lockState } from '../buffer/directory-lock.js'
import { drainOrder, inspectTable, streamFiles } from '../format/table-scan.js'
import { tableDestination } from './table-destination.js'
import { commitParts, partBytes } from './commit-parts.js'
import { DEFAULT_TARGET_FILE_BYTES, planDrain, sumCounts } from './drain-plan.js'
import { directoryIdentity, encoders } from './drain-commit.js'
import { classify, describeSetAside, refuseDamage } from './file-verdict.js'
import { predictEarlierCommits } from './journal-resolution.js'
import type { TableReplayDraft } from './replay-report.js'
import type { TableDrainOptions } from './replay-table.js'

export async function planTable(report: TableReplayDraft, options: TableDrainOptions): Promise<void> {
  const state = await lockState(report.directory)
  if (state.inUse) throw new LockHeldError(report.directory, state.holderPid)
  report.earlierCommits = await predictEarlierCommits(report.directory, report.table, { keep: options.keep, sinks: options.sinks })
  const inspection = await inspectTable(options.root, report.table, { maxColumns: options.maxColumns })
  const files = streamFiles(inspection)
  report.skipped.push(...inspection.odd)
  if (options.mode === 'flush') refuseDamage(files)
  // In the order the real run drains them: pending files, then the active one it promotes after them.
  const drained = drainOrder(inspection).filter((file) => {
    if (!['unreadable', 'unsupported'].includes(classify(file))) return true
    if (options.mode === 'recover') report.quarantined.push({ file: file.name, reason: describeSetAside(file) })
    return false
  })
  // The table it would create or append to (created by no dry run), and so the layout and field ids.
  const { destination, iceberg } = options.catalogs || options.sink ? await tableDestination(report.table, report.directory, drained, { ...options, dryRun: true }) : {}
  report.iceberg = iceberg
  // Planned in the parts the real run commits, so that every output is named as that run names it.
  const targetFileBytes = options.targetFileBytes ?? DEFAULT_TARGET_FILE_BYTES
  const parts = commitParts(drained, partBytes(targetFileBytes, encoders(options.concurrency)))
  const identity = await directoryIdentity(report.directory)
  report.files = drained.map((file) => file.name)
  report.parts = { committed: 0, total: parts.length }
  for (const part of parts) {
    const plan = await planDrain(part, {
      table: report.table,
      identity,
      targetFileBytes,
      granularity: destination?.granularity ?? options.granularity,
      dataDirectory: destination?.dataDirectory,
      partitionBy: options.partitionBy,
      damage: options.mode === 'flush' ? 'strict' : 'salvage',
      signal: options.signal,
      maxColumns: options.maxColumns,
      shareAmong: encoders(options.concurrency),
    })
    for (const file of plan.files.filter((outcome) => outcome.damage)) {
      report.salvaged.push({ file: file.name, rows: file.rows, droppedBytes: file.droppedBytes, reason: file.damage!.reason })
    }
    report.rows += plan.rows
    report.repairedUtf8 = sumCounts([report.repairedUtf8, plan.repairedUtf8])
    report.outputs.push(
      ...plan.outputs.map((output) => ({
        // A table the run would create has no location yet: the path is relative to it.
        path: iceberg && !iceberg.location ? output.path : (destination?.sink.locate(output.path) ?? output.path),
        relative: output.path,
        partition: output.partition,
        rows: output.rows,
        bytes: 0,
      })),
    )
  }
  report.status = report.rows > 0 ? 'done' : 'empty'
}
