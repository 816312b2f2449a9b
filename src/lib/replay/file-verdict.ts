/** How flush and recover judge a stream file from its framing and schema, before anything is decoded. */
import { CorruptStreamError } from '../errors.js'
import { UnsupportedTypeError } from '../usage-errors.js'
import type { StreamFileInspection } from '../format/table-scan.js'

/**
 * unreadable: not one complete batch (empty, schema only, or damaged before its first batch);
 * unsupported: valid Arrow that Parquet cannot take (type-support); damaged: complete batches,
 * then damage; clean: every byte accounted for.
 */
export type Verdict = 'clean' | 'damaged' | 'unreadable' | 'unsupported'

export function classify(file: StreamFileInspection): Verdict {
  if (file.unsupported) return 'unsupported'
  if (file.recordBatches === 0) return 'unreadable'
  return file.damage ? 'damaged' : 'clean'
}

/** Why recover moves a file it cannot write to quarantine/. */
export function describeSetAside(file: StreamFileInspection): string {
  if (file.unsupported) return file.unsupported.reason
  if (file.bytes === 0) return 'empty file'
  if (file.damage) return file.damage.reason
  return 'schema only: no record batch'
}

/** flush leaves a table it cannot write whole untouched: damage is recover's job, and so is setting aside what Parquet cannot take. */
export function refuseDamage(files: readonly StreamFileInspection[]): void {
  const unsupported = files.find((file) => file.unsupported)
  if (unsupported) throw new UnsupportedTypeError(unsupported.path, unsupported.unsupported!.reason)
  const damaged = files.find((file) => file.damage)
  if (damaged) throw new CorruptStreamError(damaged.path, damaged.damage!.offset, damaged.damage!.reason)
}
