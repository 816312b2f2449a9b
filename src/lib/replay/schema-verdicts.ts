/**
 * What a drain's planner decides from a stream's schema message alone — whether Parquet can take
 * its data, whether its batches can share one IPC stream into wasm with other files' — reached
 * once for every stream that opens with the same bytes: a backlog of thousands of small files
 * with one schema walks its fields once, not once a file (or three times, as framing, type
 * support and the writer's checks each did). It also keeps, for the drain, what framing and the
 * flat checks made of each schema.
 */
import { createHash } from 'node:crypto'
import type { Schema } from 'apache-arrow'
import { fieldList } from '../format/batch-codec.js'
import type { ParsedSchemas, StreamScan } from '../format/ipc-framing.js'
import type { FlatSchemas, RangeReader } from '../format/stream-batches.js'
import { BytesMemo } from '../format/bytes-memo.js'
import { rewriteReason, unsupportedIn, type Unsupported } from '../format/type-support.js'

export interface SchemaVerdict {
  /** Why Parquet cannot take the stream's data, when it cannot. */
  readonly unsupported?: Unsupported
  /** Batches of streams with this very schema and no dictionaries can share one IPC stream into wasm. */
  readonly streamKey?: string
  /** Valid Arrow the writer does not take as it is (big-endian, nested dictionaries): every batch is written again. */
  readonly rewriteAll: boolean
  /** The field list (output-layout's signature) of the batches decoded with this schema, once one was. */
  signature?: string
}

export class SchemaVerdicts {
  /** Schema messages as framing parsed them (scanStream's). */
  readonly parsed: ParsedSchemas = new BytesMemo()
  /** Flat layouts and decoded schemas (checkedBatches'). */
  readonly flat: FlatSchemas = new BytesMemo()
  readonly #verdicts = new BytesMemo<SchemaVerdict>()
  readonly #maxColumns: number | undefined

  constructor(maxColumns: number | undefined) {
    this.#maxColumns = maxColumns
  }

  /** The verdict on the scanned stream's schema message. */
  async of(scan: StreamScan, read: RangeReader): Promise<SchemaVerdict> {
    const frame = scan.messages[0]
    if (frame?.kind !== 'schema') return { rewriteAll: false }
    return this.#verdicts.of(await read([{ start: frame.offset, end: frame.end }]), (schema) => ({
      unsupported: unsupportedIn(schema, this.#maxColumns),
      streamKey: createHash('sha256').update(schema).digest('hex'),
      rewriteAll: rewriteReason(schema) !== undefined,
    }))
  }

  /**
   * The field list (output-layout's signature) of a batch decoded with the schema `verdict` is on,
   * listed for the first such batch only (each decoded batch has a Schema object of its own).
   */
  signature(verdict: SchemaVerdict, schema: Schema): string {
    return (verdict.signature ??= fieldList(schema))
  }
}
