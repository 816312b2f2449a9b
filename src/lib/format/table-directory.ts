/**
 * Everything that lives inside a table directory, by name (DESIGN §1): the exporter's files
 * (`.lock`, `active.ipc`, `pending-%06d.ipc`) and bufctl's own, whose names the exporter ignores
 * (it reads only `active.ipc` and `pending-*.ipc`, and skips sub-directories).
 */
import { sep } from 'node:path'

/** The lock file; its owner holds an exclusive flock(2) on it. */
export const LOCK_FILE = '.lock'
/** The Arrow IPC stream being appended (at most one). */
export const ACTIVE_FILE = 'active.ipc'
/** bufctl's commit journal: which pending files a drain covers and which outputs it writes. */
export const JOURNAL_FILE = 'bufctl-commit.json'
/** bufctl's record of commits made with --keep: pending files already written, and where. */
export const KEPT_LEDGER_FILE = 'bufctl-kept.json'
/** bufctl's record of the input files ingest appended, so that a retry does not append them twice. */
export const INGEST_LEDGER_FILE = 'bufctl-ingested.json'
/** Sub-directory where recover moves files it cannot read, or damaged originals it salvaged. */
export const QUARANTINE_DIR = 'quarantine'
/**
 * bufctl's temporary files in a table directory: ingest's copies (`.bufctl-ingest-<random>.tmp`)
 * and its bookkeeping files being replaced (`.bufctl-commit.json.<random>.tmp`, …). One left by a
 * crash was never renamed into place, so it is not data; opening the table removes it.
 */
export const BUFCTL_TEMPORARY_PATTERN = /^\.bufctl-[\w.-]+\.tmp$/

/**
 * The path of the entry `name` of a table directory (a path as join() made it). Not join() itself:
 * it builds each result from many small pieces, ~1 KB of garbage a call, and a drain of thousands
 * of files makes several calls a file.
 */
export function entryPath(directory: string, name: string): string {
  return directory.endsWith(sep) ? `${directory}${name}` : `${directory}${sep}${name}`
}

export function ingestTemporaryName(random: string): string {
  return `.bufctl-ingest-${random}.tmp`
}
/**
 * While bufctl commits a drain, the drained pending files carry this prefix: the exporter ignores
 * them, so an interrupted commit can never be flushed a second time by the exporter. The next
 * bufctl run finishes the commit (the files go) or undoes it (they get pending names back).
 */
export const HELD_PREFIX = 'bufctl-held-'

/** The name a pending file has while bufctl commits it. */
export function heldFileName(name: string): string {
  return `${HELD_PREFIX}${name}`
}

/** Any run of digits, as the exporter reads them (it writes six, wider past 999999). */
const PENDING_PATTERN = /^pending-(\d+)\.ipc$/

/**
 * The exporter's rule for a table's directory name: every character outside [A-Za-z0-9_-]
 * becomes `_`, and the empty name becomes `_`.
 */
export function tableDirectoryName(table: string): string {
  if (table.length === 0) return '_'
  // Array.from walks code points, so one astral character becomes one `_`, as in Go's range loop.
  return Array.from(table, (ch) => (/^[A-Za-z0-9_-]$/.test(ch) ? ch : '_')).join('')
}

/** `pending-%06d.ipc`: zero-padded to six digits, wider past 999999. */
export function pendingFileName(sequence: number): string {
  return `pending-${String(sequence).padStart(6, '0')}.ipc`
}

/** The sequence number of a pending file name, or undefined for any other name. */
export function pendingSequence(name: string): number | undefined {
  const match = PENDING_PATTERN.exec(name)
  return match ? Number(match[1]) : undefined
}

/** Pending file names of a directory listing, in numeric sequence order (by name where two numbers are equal). */
export function sortedPendingFiles(names: Iterable<string>): { name: string; sequence: number }[] {
  const pending: { name: string; sequence: number }[] = []
  for (const name of names) {
    const sequence = pendingSequence(name)
    if (sequence !== undefined) pending.push({ name, sequence })
  }
  return pending.sort((a, b) => a.sequence - b.sequence || (a.name < b.name ? -1 : 1))
}
