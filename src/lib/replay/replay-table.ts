/**
 * flush or recover of one table directory, under its lock: finish or undo a commit a crash left
 * behind, judge the files (flush refuses damage; recover quarantines what has no complete batch),
 * open the store (which promotes an orphaned active file), and commit its drain exactly once.
 */
import { DiskStore } from '../buffer/disk-store.js'
import type { DirectoryLock } from '../buffer/directory-lock.js'
import { inspectTable, streamFiles } from '../format/table-scan.js'
import type { Compression } from '../output-options.js'
import type { ProgressListener } from '../progress.js'
import type { OutputSink } from '../sink/output-sink.js'
import type { Granularity } from '../sink/partitioning.js'
import { resolveInterruptedCommit } from './commit-journal.js'
import { commitDrain } from './drain-commit.js'
import { classify, describeUnreadable, refuseDamage } from './file-verdict.js'
import { moveToQuarantine } from '../buffer/quarantine.js'
import type { ReplayMode, TableReplayDraft } from './replay-report.js'

export interface TableDrainOptions {
  readonly mode: ReplayMode
  readonly root: string
  readonly sink: OutputSink
  readonly keep?: boolean
  readonly compression?: Compression
  readonly granularity?: Granularity
  readonly partitionBy?: string
  readonly targetFileBytes?: number
  readonly concurrency?: number
  readonly progress?: ProgressListener
}

export async function drainTable(report: TableReplayDraft, lock: DirectoryLock, options: TableDrainOptions): Promise<void> {
  const { directory } = report
  report.journal = await resolveInterruptedCommit(directory)

  const inspection = await inspectTable(options.root, report.table)
  const files = streamFiles(inspection)
  if (options.mode === 'flush') refuseDamage(files)
  else {
    for (const file of files) {
      if (classify(file) !== 'unreadable') continue
      const movedTo = await moveToQuarantine(directory, file.name)
      report.quarantined.push({ file: file.name, movedTo, reason: describeUnreadable(file) })
    }
  }
  // What is left after quarantine, as just inspected: the store need not scan it again.
  const moved = new Set(report.quarantined.map((note) => note.file))
  const remaining = {
    ...inspection,
    active: inspection.active && !moved.has(inspection.active.name) ? inspection.active : undefined,
    pending: inspection.pending.filter((file) => !moved.has(file.name)),
  }

  const store = await DiskStore.adopt(directory, lock, { damage: 'salvage' }, remaining)
  try {
    const drain = await store.drainFiles()
    report.files = drain.files.map((file) => file.name)
    const result = await commitDrain(directory, drain, { ...options, table: report.table, damage: options.mode === 'flush' ? 'strict' : 'salvage' })
    for (const file of result.damaged) report.salvaged.push({ file: file.name, rows: file.rows, droppedBytes: file.droppedBytes, reason: file.damage!.reason })
    report.rows = result.rows
    report.repairedUtf8 = result.repairedUtf8
    report.outputs.push(...result.outputs)
    report.parquetBytes = result.outputs.reduce((sum, output) => sum + output.bytes, 0)
    report.status = result.rows > 0 ? 'done' : 'empty'
  } finally {
    await store.close()
  }
}
