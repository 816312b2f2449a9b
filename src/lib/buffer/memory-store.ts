import type { RecordBatch } from 'apache-arrow'
import { StoreClosedError } from '../errors.js'
import { EMPTY_STORE_METRICS, type Drain, type RecordStore, type StoreMetrics } from './record-store.js'

/** A boxed batch, so the same batch object appended twice is two entries. */
interface Entry {
  readonly batch: RecordBatch
}

/**
 * Keeps batches in memory. A drain moves the active batches into the draining set and returns the
 * whole draining set; a commit discards the entries that drain returned.
 */
export class MemoryStore implements RecordStore {
  readonly location: string
  #active: Entry[] = []
  #draining: Entry[] = []
  #closed = false

  constructor(table: string) {
    this.location = `memory:${table}`
  }

  async append(batch: RecordBatch): Promise<void> {
    if (this.#closed) throw new StoreClosedError(this.location)
    this.#active.push({ batch })
  }

  async drain(): Promise<Drain> {
    if (this.#closed) throw new StoreClosedError(this.location)
    this.#draining.push(...this.#active)
    this.#active = []
    const drained = new Set(this.#draining)
    return {
      batches: [...drained].map((entry) => entry.batch),
      rows: countRows(drained),
      commit: async () => {
        this.#draining = this.#draining.filter((entry) => !drained.has(entry))
      },
    }
  }

  rows(): number {
    return countRows(this.#active) + countRows(this.#draining)
  }

  isEmpty(): boolean {
    return this.#active.length === 0 && this.#draining.length === 0
  }

  metrics(): StoreMetrics {
    return EMPTY_STORE_METRICS
  }

  async close(): Promise<void> {
    this.#closed = true
  }
}

function countRows(entries: Iterable<Entry>): number {
  let rows = 0
  for (const entry of entries) rows += entry.batch.numRows
  return rows
}
