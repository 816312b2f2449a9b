/** How flush and recover judge a stream file from its framing, before anything is decoded. */
import { CorruptStreamError } from '../errors.js'
import type { StreamFileInspection } from '../format/table-scan.js'

export type Verdict = 'clean' | 'damaged' | 'unreadable'

/** unreadable: not one complete batch (empty, schema only, or damaged before its first batch). */
export function classify(file: StreamFileInspection): Verdict {
  if (file.recordBatches === 0) return 'unreadable'
  return file.damage ? 'damaged' : 'clean'
}

export function describeUnreadable(file: StreamFileInspection): string {
  if (file.bytes === 0) return 'empty file'
  if (file.damage) return file.damage.reason
  return 'schema only: no record batch'
}

/** flush leaves a table whose files are damaged untouched: that is recover's job. */
export function refuseDamage(files: readonly StreamFileInspection[]): void {
  const damaged = files.find((file) => file.damage)
  if (damaged) throw new CorruptStreamError(damaged.path, damaged.damage!.offset, damaged.damage!.reason)
}
