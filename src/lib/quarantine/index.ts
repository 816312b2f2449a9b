/**
 * quarantine — what recover set aside in `<table>/quarantine/`: listed with why, put back after a
 * fix (checked as recover would check it), or removed once looked at — every one through the
 * directories it looked at (pinned-directory), never outside the spill root.
 * Imports: the ground, format/, buffer/ and replay/ (its verdicts).
 */
export { listQuarantine } from './quarantine-list.js'
export type { QuarantinedFile } from './quarantine-scan.js'
export { restoreFromQuarantine, type RestoredFile, type RestoreOptions } from './quarantine-restore.js'
export { purgeQuarantine, type PurgeOptions, type PurgeResult } from './quarantine-purge.js'
