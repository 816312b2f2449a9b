/** The messages between the encoder pool and its worker threads. */
import type { BatchPiece, EncodeJob, ParquetFormat } from './encode-job.js'

/**
 * Main thread → worker: a job (with the pieces it has so far), the pieces that joined a job still
 * being planned (and its rows so far, and whether it is now complete), or `next` (a chunk was taken).
 */
export type ToWorker =
  | { readonly type: 'encode'; readonly job: EncodeJob; readonly format: ParquetFormat }
  | { readonly type: 'pieces'; readonly pieces: readonly BatchPiece[]; readonly rows: number; readonly complete: boolean }
  | { readonly type: 'next' }
/** Worker → main thread: one chunk (the worker waits for `next`), rows handed to the writer (progress), the end, or a failure. */
export type FromWorker =
  | { readonly type: 'chunk'; readonly bytes: Uint8Array }
  | { readonly type: 'rows'; readonly rows: number }
  | { readonly type: 'done' }
  | { readonly type: 'error'; readonly message: string; readonly code?: string }
