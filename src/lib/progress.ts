/**
 * Progress of long work, reported through a callback: the library never draws anything; the
 * command layer decides whether a bar is shown (TTY, not --json, not --quiet).
 */
export interface ProgressEvent {
  /** `table`: tables done of the run; `rows`: rows written of the current table; `files`: inputs read. */
  readonly phase: 'table' | 'rows' | 'files'
  readonly table: string
  readonly done: number
  readonly total: number
  /** `rows`: bytes of Parquet the output holds so far (uploaded, for S3). */
  readonly bytes?: number
}

export type ProgressListener = (event: ProgressEvent) => void
