/**
 * Something that changes while others wait for its next change — a file still being planned, a
 * job whose pieces still arrive: each change wakes every waiter; a failure rejects every waiter,
 * now and later.
 */
interface Waiter {
  readonly resolve: () => void
  readonly reject: (error: Error) => void
}

export class Changes {
  #waiting: Waiter[] = []
  #failure: { readonly error: Error } | undefined

  /** Resolves at the next change; rejects once failed. */
  next(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure.error)
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }))
  }

  changed(): void {
    for (const waiter of this.#take()) waiter.resolve()
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
