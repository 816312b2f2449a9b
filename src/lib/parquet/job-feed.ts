/**
 * Jobs that arrive while the encoders already run: a drain's planner adds each output file as soon
 * as it is complete (and recorded in the commit journal), and closes the feed when planning ends.
 * An encoder waits for the next job; a closed feed with nothing left ends it. Each job's index is
 * its place in the order the jobs were added.
 */
export interface TakenJob<J> {
  readonly index: number
  readonly job: J
}

export class JobFeed<J> {
  readonly #jobs: J[] = []
  #taken = 0
  #closed = false
  #waiting: (() => void)[] = []

  /** A closed feed of these jobs. */
  static of<J>(jobs: readonly J[]): JobFeed<J> {
    const feed = new JobFeed<J>()
    for (const job of jobs) feed.add(job)
    feed.close()
    return feed
  }

  add(job: J): void {
    if (this.#closed) throw new Error('a job added to a closed feed')
    this.#jobs.push(job)
    this.#wake()
  }

  /** No job will be added any more. */
  close(): void {
    this.#closed = true
    this.#wake()
  }

  /** Jobs added so far. */
  get size(): number {
    return this.#jobs.length
  }

  get closed(): boolean {
    return this.#closed
  }

  /** The job added as `index`. */
  job(index: number): J {
    return this.#jobs[index]!
  }

  /** The next job no one has taken, once there is one; undefined once the feed is closed and all are taken. */
  async next(): Promise<TakenJob<J> | undefined> {
    for (;;) {
      if (this.#taken < this.#jobs.length) {
        const index = this.#taken++
        return { index, job: this.#jobs[index]! }
      }
      if (this.#closed) return undefined
      await new Promise<void>((resolve) => this.#waiting.push(resolve))
    }
  }

  #wake(): void {
    const waiting = this.#waiting
    this.#waiting = []
    for (const resolve of waiting) resolve()
  }
}
