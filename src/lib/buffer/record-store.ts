import type { RecordBatch } from 'apache-arrow'

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
  /** Takes a checked IPC stream, bytes [start, end) of a file, as the next pending file (disk stores only). */
  adoptStreamFile?(source: StreamFileSource, onCopied?: CopiedHook): Promise<void>
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

/** A checked Arrow IPC stream lying in bytes [start, end) of a file (all of it, or the stream inside an IPC file). */
export interface StreamFileSource {
  readonly path: string
  readonly start: number
  readonly end: number
  /** Complete rows, from the stream's metadata. */
  readonly rows: number
  /** The stream ends with its end-of-stream marker (one is added when it does not). */
  readonly endOfStream: boolean
}

/** What a disk store knows of one pending file without reading its bodies. */
export interface PendingFile {
  readonly name: string
  /** A store's pending files make it when asked for (a getter): a spread copy does not carry it. */
  readonly path: string
  readonly sequence: number
  readonly bytes: number
  readonly rows: number
  readonly mtimeMs: number
  /** Bytes after the complete-message prefix (0 for a clean file). */
  readonly damagedBytes: number
}

/** A drain that hands out files rather than batches (disk stores). */
export interface FileDrain {
  readonly files: readonly PendingFile[]
  /** Complete rows of the files, from their metadata. */
  readonly rows: number
  /** Deletes exactly these files. */
  commit(): Promise<void>
  /** The caller has removed (or moved) these files itself: the store stops listing them. */
  forget(): void
}

/**
 * Told the temporary name of a stream file's complete copy right before it is renamed in as a
 * pending file: a caller that must know after a crash whether the rename happened records it
 * (the ingest ledger). Once it has been called, the copy is never removed by the store: the next
 * open decides from whether it is still there.
 */
export type CopiedHook = (temporaryName: string) => Promise<void>
