/**
 * Encoding record batches into IPC stream messages and decoding complete-message prefixes back
 * into record batches. Framing (ipc-framing) decides which bytes are complete; this module only
 * turns complete bytes into batches and batches into bytes.
 */
import { DataType, RecordBatch, RecordBatchReader, Struct, Table, makeData, tableToIPC, type Data, type Schema } from 'apache-arrow'
import { bytesSource, scanStream, type StreamScan } from './ipc-framing.js'

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

/**
 * Serialises one batch. With `schema` (the open stream's), the batch is first conformed to it, so
 * that its dictionary batches carry the ids the stream's schema message declared.
 */
export async function encodeBatch(batch: RecordBatch, schema?: Schema): Promise<EncodedBatch> {
  const bytes = tableToIPC(new Table([schema ? conformTo(batch, schema) : batch]), 'stream')
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

/**
 * The batch relabelled with `schema`'s field types. arrow-js numbers dictionaries per type
 * instance; appending a batch whose dictionaries have other ids than the stream's schema would
 * write dictionary batches no reader can match to their columns.
 */
export function conformTo(batch: RecordBatch, schema: Schema): RecordBatch {
  const children = batch.data.children.map((child, index) => retype(child, schema.fields[index]!.type))
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children }))
}

function retype(data: Data, type: DataType): Data {
  if (data.type === type || !DataType.isDictionary(type)) return data
  return makeData({
    type,
    offset: data.offset,
    length: data.length,
    nullCount: data.nullCount,
    nullBitmap: data.nullBitmap,
    data: data.values,
    dictionary: data.dictionary,
  } as Parameters<typeof makeData>[0])
}

/** Decodes a stream whose bytes are all complete messages (no end-of-stream marker needed). */
export function decodeStream(bytes: Uint8Array): { schema?: Schema; batches: RecordBatch[] } {
  if (bytes.byteLength === 0) return { batches: [] }
  const reader = RecordBatchReader.from(bytes).open()
  const schema = reader.schema
  const batches: RecordBatch[] = []
  for (const batch of reader) batches.push(batch)
  return { schema, batches }
}

/** Batches decoded from a scanned stream, and where decoding stopped short if it did. */
export interface SalvagedBatches {
  readonly schema?: Schema
  readonly batches: RecordBatch[]
  readonly rows: number
  /** End offset of the last message whose batch was kept. */
  readonly validEnd: number
  /** Set when a complete message could not be decoded: the batches before it are kept. */
  readonly failure?: { readonly offset: number; readonly reason: string }
}

/**
 * Decodes the complete-message prefix of a scanned stream, batch by batch: a message that framing
 * accepted but Arrow cannot decode ends the salvage there, keeping every batch before it.
 */
export function decodeSalvaging(bytes: Uint8Array, scan: StreamScan): SalvagedBatches {
  const batchFrames = scan.messages.filter((frame) => frame.kind === 'recordBatch')
  const batches: RecordBatch[] = []
  let schema: Schema | undefined
  let rows = 0
  const validEnd = () => (batches.length === 0 ? (scan.messages[0]?.end ?? 0) : batchFrames[batches.length - 1]!.end)
  if (scan.messages.length === 0) return { batches, rows, validEnd: 0 }
  try {
    const reader = RecordBatchReader.from(bytes.subarray(0, scan.validEnd))
    // The schema must be taken before iterating: a reader read to its end forgets it.
    schema = reader.open().schema
    for (const batch of reader) {
      const frame = batchFrames[batches.length]
      // A row count in metadata that the body cannot hold would invent rows; refuse it.
      if (!frame || batch.numRows !== frame.rows) throw new Error(`record batch ${batches.length} decoded to ${batch.numRows} rows, metadata says ${frame?.rows}`)
      batches.push(batch)
      rows += batch.numRows
    }
  } catch (error) {
    const failed = batchFrames[batches.length]
    return { schema, batches, rows, validEnd: validEnd(), failure: { offset: failed?.offset ?? 0, reason: `cannot decode: ${error instanceof Error ? error.message : String(error)}` } }
  }
  return { schema, batches, rows, validEnd: batches.length === batchFrames.length ? scan.validEnd : validEnd() }
}

/** The schema of a stream file's first message, from just those bytes. */
export function decodeSchema(schemaMessage: Uint8Array): Schema | undefined {
  try {
    return RecordBatchReader.from(schemaMessage).open().schema ?? undefined
  } catch {
    return undefined
  }
}
