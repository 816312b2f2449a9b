/**
 * replay — flush and recover: plan a drain into output files, write them through the Parquet
 * stage into a sink, and commit exactly once (commit journal, quarantine, crash points).
 * Imports: the ground, format/, buffer/, parquet/, sink/.
 */
export { replay, type ReplayOptions } from './replay.js'
export type { QuarantineNote, ReplayMode, ReplayReport, SalvageNote, TableReplayReport } from './replay-report.js'
export { commitDrain, type DrainCommitOptions, type DrainCommitResult } from './drain-commit.js'
export { DEFAULT_TARGET_FILE_BYTES, planDrain, type DrainPlan, type DrainSource, type PlannedOutput } from './drain-plan.js'
export { readJournal, type JournalRecord, type JournalResolution } from './commit-journal.js'
export { resolveEarlierCommits, type ResolvedCommit, type Resolution } from './journal-resolution.js'
export type { ProgressEvent, ProgressListener } from './progress.js'
