/**
 * Something that changes while others wait for its next change — a file still being planned, a
 * job whose pieces still arrive — until it ends: each change wakes every waiter; once it has
 * ended, waiting returns at once; a failure rejects every waiter, now and later.
 */
interface Waiter {
  readonly resolve: () => void
  readonly reject: (error: Error) => void
}

export class Changes {
  #waiting: Waiter[] = []
  #ended = false
  #failure: { readonly error: Error } | undefined

  /** No change will come any more. */
  get ended(): boolean {
    return this.#ended
  }

  /** Resolves at the next change (at once, once ended); rejects once failed. */
  next(): Promise<void> {
    if (this.#ended) return Promise.resolve()
    if (this.#failure) return Promise.reject(this.#failure.error)
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }))
  }

  changed(): void {
    for (const waiter of this.#take()) waiter.resolve()
  }

  /** The last change. */
  end(): void {
    this.#ended = true
    this.changed()
  }

  fail(error: Error): void {
    this.#failure ??= { error }
    for (const waiter of this.#take()) waiter.reject(error)
  }

  #take(): Waiter[] {
    const waiting = this.#waiting
    this.#waiting = []
    return waiting
  }
}
