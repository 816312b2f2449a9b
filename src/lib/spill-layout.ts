/**
 * Names inside a table directory, as the exporter writes them (DESIGN §1). Anything else in a
 * table directory is ignored by the exporter, which leaves room for bufctl's own files.
 */
export const ACTIVE_FILE = 'active.ipc'
const PENDING_PATTERN = /^pending-(\d{6,})\.ipc$/

/** `pending-%06d.ipc`: zero-padded to six digits, wider past 999999. */
export function pendingFileName(sequence: number): string {
  return `pending-${String(sequence).padStart(6, '0')}.ipc`
}

/** The sequence number of a pending file name, or undefined for any other name. */
export function pendingSequence(name: string): number | undefined {
  const match = PENDING_PATTERN.exec(name)
  return match ? Number(match[1]) : undefined
}

/** Pending file names of a directory listing, in numeric sequence order. */
export function sortedPendingFiles(names: Iterable<string>): { name: string; sequence: number }[] {
  const pending: { name: string; sequence: number }[] = []
  for (const name of names) {
    const sequence = pendingSequence(name)
    if (sequence !== undefined) pending.push({ name, sequence })
  }
  return pending.sort((a, b) => a.sequence - b.sequence)
}
