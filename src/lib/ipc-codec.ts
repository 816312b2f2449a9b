/**
 * Encoding record batches into IPC stream messages and decoding complete-message prefixes back
 * into record batches. Framing (ipc-framing) decides which bytes are complete; this module only
 * turns complete bytes into batches and batches into bytes.
 */
import { DataType, Type, RecordBatch, RecordBatchReader, Struct, Table, makeData, tableToIPC, type Data, type Schema } from 'apache-arrow'
import { isUtf8 } from 'node:buffer'
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

/** The schema of a stream file's first message, from just those bytes. */
export function decodeSchema(schemaMessage: Uint8Array): Schema | undefined {
  try {
    return RecordBatchReader.from(schemaMessage).open().schema ?? undefined
  } catch {
    return undefined
  }
}

/**
 * Checks that every column's buffers can hold the rows the metadata claims: lengths agree,
 * validity bitmaps, fixed-width values and variable-width offsets stay inside their buffers, and
 * dictionary indices inside their dictionary. Damaged metadata otherwise yields rows that were
 * never written, or reads outside the body.
 */
export function assertBatchIntegrity(batch: RecordBatch): void {
  for (const [index, child] of batch.data.children.entries()) {
    const name = batch.schema.fields[index]?.name ?? String(index)
    if (child.length !== batch.numRows) throw new Error(`column ${name} has ${child.length} rows, the batch ${batch.numRows}`)
    checkData(child, name)
  }
}

function checkData(data: Data, name: string): void {
  const end = data.offset + data.length
  const fail = (what: string) => {
    throw new Error(`column ${name}: ${what}`)
  }
  if (data.length < 0 || data.offset < 0) fail('negative length or offset')
  if (data.nullCount > 0 && (data.nullBitmap?.length ?? 0) * 8 < end) fail('validity bitmap shorter than the column')
  if (data.nullCount > 0 && data.typeId !== Type.Null) {
    let nulls = 0
    for (let i = data.offset; i < end; i++) if (!isSet(data.nullBitmap, i)) nulls++
    if (nulls !== data.nullCount) fail(`null count ${data.nullCount} but ${nulls} nulls in the validity bitmap`)
  }
  const values = data.values as ArrayLike<unknown> | undefined
  switch (data.typeId) {
    case Type.Null:
      return
    case Type.Bool:
      if ((values?.length ?? 0) * 8 < end) fail('boolean values shorter than the column')
      return
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const offsets = data.valueOffsets as ArrayLike<number | bigint> | undefined
      if (!offsets || offsets.length < end + 1) fail('value offsets shorter than the column')
      if (data.length === 0) return
      const first = Number(offsets![data.offset]!)
      const last = Number(offsets![end]!)
      if (first < 0 || last < first || last > (values?.length ?? 0)) fail(`value offsets ${first}..${last} outside ${values?.length ?? 0} bytes of data`)
      const text = data.typeId === Type.Utf8 || data.typeId === Type.LargeUtf8
      const bytes = values as Uint8Array
      for (let i = data.offset; i < end; i++) {
        const start = Number(offsets![i]!)
        const stop = Number(offsets![i + 1]!)
        if (stop < start) fail(`value offsets decrease at row ${i - data.offset}`)
        // A string may not start inside a multi-byte UTF-8 sequence (0b10xxxxxx).
        if (text && start < stop && (bytes[start]! & 0xc0) === 0x80) fail(`string ${i - data.offset} starts inside a UTF-8 sequence`)
      }
      if (text && !isUtf8(bytes.subarray(first, last))) fail('strings are not valid UTF-8')
      return
    }
    case Type.Dictionary: {
      if ((values?.length ?? 0) < end) fail('dictionary indices shorter than the column')
      const dictionary = data.dictionary
      const size = dictionary?.length ?? 0
      for (let i = data.offset; i < end; i++) {
        const key = Number((values as ArrayLike<number | bigint>)[i]!)
        if ((key < 0 || key >= size) && (data.nullCount === 0 || isSet(data.nullBitmap, i))) fail(`dictionary index ${key} outside a dictionary of ${size}`)
      }
      for (const chunk of dictionary?.data ?? []) checkData(chunk, `${name} (dictionary)`)
      return
    }
    default:
      if (data.children.length > 0) {
        for (const child of data.children) if (child.length < end && data.typeId === Type.Struct) fail('a struct child shorter than the column')
        return // nested layouts: arrow-js and the Parquet writer check their own offsets
      }
      if (values && data.stride > 0 && values.length < end * data.stride) fail(`values (${values.length}) shorter than the column (${end} × ${data.stride})`)
  }
}

function isSet(bitmap: Uint8Array | undefined, index: number): boolean {
  return !bitmap || bitmap.length === 0 || (bitmap[index >> 3]! & (1 << (index & 7))) !== 0
}
