/**
 * Progress of long work, reported through a callback: the library never draws anything; the
 * command layer decides how to show it (a bar on a terminal, a line every few seconds in a log,
 * nothing under --json or --quiet).
 */
export interface ProgressEvent {
  /**
   * `bytes`: the run's progress — input bytes done of all the run will read, known up front (what a
   * display shows); `rows`: rows written of one table's drain (what the run's progress is made of).
   */
  readonly phase: 'bytes' | 'rows'
  /** The table being worked on. */
  readonly table: string
  readonly done: number
  readonly total: number
  /** Bytes of Parquet the output holds so far (uploaded, for S3): of the table (`rows`) or of the run (`bytes`). */
  readonly stored?: number
}

export type ProgressListener = (event: ProgressEvent) => void

/**
 * The run's progress in input bytes across tables: each table counts as its bytes, advanced by the
 * share of its rows written; done never goes back.
 */
export class RunProgress {
  readonly #listener: ProgressListener | undefined
  readonly #total: number
  #finished = 0
  #storedBefore = 0
  #done = 0

  constructor(listener: ProgressListener | undefined, totalBytes: number) {
    this.#listener = listener
    this.#total = totalBytes
  }

  /** A listener for one table's own events (`rows`), which advances the run. */
  table(name: string, bytes: number): { readonly listener: ProgressListener; finish(): void } {
    let stored = 0
    const report = (done: number) => {
      this.#done = Math.max(this.#done, Math.min(this.#total, done))
      this.#listener?.({ phase: 'bytes', table: name, done: this.#done, total: this.#total, stored: this.#storedBefore + stored })
    }
    report(this.#finished)
    return {
      listener: (event) => {
        stored = event.stored ?? stored
        report(this.#finished + (event.total > 0 ? (bytes * event.done) / event.total : 0))
      },
      finish: () => {
        this.#finished += bytes
        this.#storedBefore += stored
        stored = 0
        report(this.#finished)
      },
    }
  }
}
