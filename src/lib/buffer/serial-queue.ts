/**
 * Runs async tasks one at a time, in call order. Used where the seed holds a mutex: a store's
 * file operations, and a buffer's drain → op → commit cycle.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve()

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task)
    // The chain continues whatever this task did; its own caller sees its rejection.
    this.#tail = result.catch(() => undefined)
    return result
  }
}
