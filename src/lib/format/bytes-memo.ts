/**
 * Results of a function of some bytes, kept by those bytes: a backlog of thousands of files that
 * open with the same schema message computes what it says once, not once a file.
 */
export class BytesMemo<T> {
  readonly #known = new Map<string, T>()

  /** What `compute` gives for `bytes`: computed for the first bytes of their kind, remembered for the rest. */
  of(bytes: Uint8Array, compute: (bytes: Uint8Array) => T): T {
    const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
    if (this.#known.has(key)) return this.#known.get(key)!
    const value = compute(bytes)
    this.#known.set(key, value)
    return value
  }
}
