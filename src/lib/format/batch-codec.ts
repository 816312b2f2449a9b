/**
 * Record batches to IPC stream messages and back: encoding a batch for an append, conforming it to
 * a stream's dictionary ids, decoding a schema message, and spelling a schema for messages.
 * Framing (ipc-framing) decides which bytes are complete; this module only converts.
 */
import { DataType, RecordBatch, RecordBatchReader, Struct, Table, makeData, tableToIPC, type Data, type Field, type Schema } from 'apache-arrow'
import { bytesSource } from './byte-source.js'
import { scanStream } from './ipc-framing.js'

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
  const children = batch.data.children.map((child: Data, index) => retype(child, (schema.fields[index] as Field<DataType>).type))
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children }))
}

function retype(data: Data, type: DataType): Data {
  if (data.type === type || !DataType.isDictionary(type)) return data
  const props = {
    type,
    offset: data.offset,
    length: data.length,
    nullCount: data.nullCount,
    nullBitmap: data.nullBitmap,
    data: data.values as unknown,
    dictionary: data.dictionary,
  }
  return makeData(props as Parameters<typeof makeData>[0])
}

/** The schema message of a stream of `schema` (dictionary ids as the schema declares them). */
export function encodeSchemaMessage(schema: Schema): Uint8Array {
  const bytes = tableToIPC(new Table(schema), 'stream')
  const length = new DataView(bytes.buffer, bytes.byteOffset).getInt32(4, true)
  return bytes.slice(0, 8 + length)
}

/** The schema of a stream file's first message, from just those bytes. */
export function decodeSchema(schemaMessage: Uint8Array): Schema | undefined {
  try {
    return (RecordBatchReader.from(schemaMessage).open().schema as Schema | null) ?? undefined
  } catch {
    return undefined
  }
}
