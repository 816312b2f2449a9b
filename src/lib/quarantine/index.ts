/**
 * quarantine — what recover set aside in `<table>/quarantine/`: listed with why, put back after a
 * fix (checked as recover would check it), or removed once looked at.
 * Imports: the ground, format/, buffer/ and replay/ (its verdicts).
 */
export { listQuarantine, type QuarantinedFile } from './quarantine-list.js'
export { restoreFromQuarantine, type RestoredFile } from './quarantine-restore.js'
export { removeQuarantined, selectForPurge, type PurgeOptions } from './quarantine-purge.js'
