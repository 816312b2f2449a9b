import type { RecordBatch } from 'apache-arrow'
import type { FileDrain } from './file-drain.js'

/** What one drain hands to a flush: the batches, their row count, and how to discard them. */
export interface Drain {
  readonly batches: readonly RecordBatch[]
  readonly rows: number
  /** Discards exactly the drained batches. Until called, they stay drainable. */
  commit(): Promise<void>
}

/** Counters only a disk store fills; a memory store reports zeros. */
export interface StoreMetrics {
  readonly pendingFiles: number
  readonly pendingBytes: number
  readonly oldestPendingAgeSeconds: number
}

export const EMPTY_STORE_METRICS: StoreMetrics = Object.freeze({ pendingFiles: 0, pendingBytes: 0, oldestPendingAgeSeconds: 0 })

/** Where a buffer keeps its batches between flushes. */
export interface RecordStore {
  /** Where the store lives, for messages: the table directory, or `memory:<table>`. */
  readonly location: string
  append(batch: RecordBatch): Promise<void>
  /** Takes a whole, checked IPC stream file as it is (disk stores only). */
  adoptStreamFile?(source: string, info: { readonly rows: number; readonly endOfStream: boolean }): Promise<void>
  /**
   * Returns every batch not yet committed — those of earlier uncommitted drains too, together
   * with anything appended since.
   */
  drain(): Promise<Drain>
  /** Seals and hands out the stored files without reading them (disk stores only). */
  drainFiles?(): Promise<FileDrain>
  /** Active rows plus drained-but-not-committed rows. */
  rows(): number
  isEmpty(): boolean
  metrics(): StoreMetrics
  close(): Promise<void>
}
