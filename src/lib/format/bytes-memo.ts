/**
 * Results of a function of some bytes, kept by those bytes: a backlog of thousands of files that
 * open with the same schema message computes what it says once, not once a file.
 */
export class BytesMemo<T> {
  readonly #known = new Map<string, T>()
  /** The bytes last asked for (a copy) and their value: nearly every file of a backlog asks for the same ones, and comparing is cheaper than a key. */
  #last?: { readonly bytes: Buffer; readonly value: T }

  /** What `compute` gives for `bytes`: computed for the first bytes of their kind, remembered for the rest. */
  of(bytes: Uint8Array, compute: (bytes: Uint8Array) => T): T {
    const asked = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    if (this.#last?.bytes.equals(asked)) return this.#last.value
    const key = asked.toString('latin1')
    const value = this.#known.has(key) ? this.#known.get(key)! : compute(bytes)
    this.#known.set(key, value)
    this.#last = { bytes: Buffer.from(asked), value }
    return value
  }
}
