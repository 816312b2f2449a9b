/**
 * Encoding record batches into IPC stream messages and decoding complete-message prefixes back
 * into record batches. Framing (ipc-framing) decides which bytes are complete; this module only
 * turns complete bytes into batches and batches into bytes.
 */
import { RecordBatch, RecordBatchReader, Table, tableToIPC, type Schema } from 'apache-arrow'
import { bytesSource, scanStream } from './ipc-framing.js'

/** `[name:type, ...]`, the form error messages use to show a schema. */
export function fieldList(schema: Schema): string {
  return `[${schema.fields.map((f) => `${f.name}:${f.type}${f.nullable ? '' : ' not null'}`).join(', ')}]`
}

/** Same field names, types and nullability, in the same order. */
export function sameSchema(a: Schema, b: Schema): boolean {
  return fieldList(a) === fieldList(b)
}

/** One batch serialised as IPC stream messages, split where a stream file needs it. */
export interface EncodedBatch {
  /** The schema message that opens a stream. */
  readonly schemaMessage: Uint8Array
  /** Dictionary batches and the record batch: what an append adds to an open stream. */
  readonly dataMessages: Uint8Array
  readonly rows: number
}

export async function encodeBatch(batch: RecordBatch): Promise<EncodedBatch> {
  const bytes = tableToIPC(new Table([batch]), 'stream')
  const scan = await scanStream(bytesSource(bytes))
  const [schemaFrame, ...rest] = scan.messages
  if (!schemaFrame || rest.length === 0 || scan.damage) {
    throw new Error(`apache-arrow produced an unexpected stream for a ${batch.numRows}-row batch`)
  }
  return {
    schemaMessage: bytes.subarray(0, schemaFrame.end),
    dataMessages: bytes.subarray(schemaFrame.end, rest[rest.length - 1]!.end),
    rows: batch.numRows,
  }
}

/** Decodes a stream whose bytes are all complete messages (no end-of-stream marker needed). */
export function decodeStream(bytes: Uint8Array): { schema?: Schema; batches: RecordBatch[] } {
  if (bytes.byteLength === 0) return { batches: [] }
  const reader = RecordBatchReader.from(bytes)
  const batches: RecordBatch[] = []
  for (const batch of reader) batches.push(batch)
  return { schema: reader.schema, batches }
}
