/**
 * Invalid UTF-8 in string columns. The exporter never validates UTF-8 and keeps such rows, so
 * bufctl keeps them too: a string with invalid bytes is not damage. Parquet readers, however,
 * expect UTF-8 in string columns (and parquet-wasm refuses anything else), so before a batch is
 * written every invalid sequence is replaced by U+FFFD, as the WHATWG decoder does, and the
 * values repaired are counted per column for the report. Valid strings are never touched.
 */
import { isAscii, isUtf8 } from 'node:buffer'
import { Data, RecordBatch, Struct, Type, Vector, makeData } from 'apache-arrow'
import type { BatchColumns } from './batch-columns.js'

type Offsets = Int32Array | BigInt64Array

const decoder = new TextDecoder('utf-8', { fatal: false })
const encoder = new TextEncoder()

/** Invalid UTF-8 values per top-level column (strings at any depth, dictionary values included); empty when all are valid. */
export function invalidUtf8(batch: BatchColumns): Map<string, number> {
  const counts = new Map<string, number>()
  const { fields } = batch.schema
  for (let index = 0; index < fields.length; index++) {
    const field = fields[index]!
    // Numbers, times and bytes hold no strings: their columns are not even looked at.
    if (NO_STRINGS.has(field.typeId)) continue
    // Plain ASCII, as nearly all the exporter's strings are, is valid UTF-8: one native check of a flat column's bytes settles it.
    if (batch.asciiOnly?.(index)) continue
    const invalid = countInvalid(batch.column(index))
    if (invalid > 0) counts.set(field.name, invalid)
  }
  return counts
}

const NO_STRINGS = new Set<Type>([
  Type.Null,
  Type.Int,
  Type.Float,
  Type.Bool,
  Type.Decimal,
  Type.Date,
  Type.Time,
  Type.Timestamp,
  Type.Interval,
  Type.Duration,
  Type.Binary,
  Type.LargeBinary,
  Type.FixedSizeBinary,
])

/** The batch with every invalid UTF-8 sequence in its string values replaced by U+FFFD. */
export function repairUtf8(batch: RecordBatch): RecordBatch {
  const children = batch.data.children.map(repair)
  return new RecordBatch(batch.schema, makeData({ type: new Struct(batch.schema.fields), length: batch.numRows, nullCount: 0, children }))
}

function isString(data: Data): boolean {
  return data.typeId === Type.Utf8 || data.typeId === Type.LargeUtf8
}

function countInvalid(data: Data): number {
  let invalid = 0
  if (isString(data) && !allValid(data)) {
    forEachValue(data, (bytes, valid) => {
      if (valid && !isUtf8(bytes)) invalid++
    })
  }
  for (const child of data.children) invalid += countInvalid(child)
  for (const chunk of (data.dictionary?.data ?? []) as Data[]) invalid += countInvalid(chunk)
  return invalid
}

/**
 * One native check of the column's bytes: valid as a whole, and no value starting inside a
 * multi-byte sequence (which a valid whole could hide by completing it in the previous value).
 */
function allValid(data: Data): boolean {
  const offsets = data.valueOffsets as Offsets
  const values = data.values as Uint8Array
  const first = Number(offsets[data.offset] ?? 0)
  const last = Number(offsets[data.offset + data.length] ?? 0)
  const bytes = values.subarray(first, last)
  // No byte of plain ASCII continues a sequence: no value can start inside one.
  if (isAscii(bytes)) return true
  if (!isUtf8(bytes)) return false
  for (let i = data.offset; i < data.offset + data.length; i++) {
    const start = Number(offsets[i])
    if (start < Number(offsets[i + 1]) && (values[start]! & 0xc0) === 0x80) return false
  }
  return true
}

/** Calls `visit` with each value's bytes and whether its slot is valid (not null), over the whole buffers. */
function forEachValue(data: Data, visit: (bytes: Uint8Array, valid: boolean, index: number) => void): void {
  const offsets = data.valueOffsets as Offsets
  const values = data.values as Uint8Array
  for (let i = data.offset; i < data.offset + data.length; i++) {
    visit(values.subarray(Number(offsets[i]), Number(offsets[i + 1])), isValidSlot(data, i), i)
  }
}

function isValidSlot(data: Data, index: number): boolean {
  const bitmap = data.nullBitmap as Uint8Array | undefined
  if (data.nullCount === 0 || !bitmap || bitmap.length === 0) return true
  return (bitmap[index >> 3]! & (1 << (index & 7))) !== 0
}

function repair(data: Data): Data {
  const children = data.children.map(repair)
  const dictionary = data.dictionary && (data.dictionary.data as Data[]).some((chunk) => countInvalid(chunk) > 0) ? repairVector(data.dictionary) : data.dictionary
  const own = isString(data) && !allValid(data) ? repairStrings(data) : undefined
  const childrenChanged = children.some((child, i) => child !== data.children[i])
  if (!own && !childrenChanged && dictionary === data.dictionary) return data
  const buffers = own ?? { [0]: data.valueOffsets as unknown, [1]: data.values as unknown, [2]: data.nullBitmap, [3]: data.typeIds as unknown }
  return new Data(data.type, own ? 0 : data.offset, data.length, data.nullCount, buffers as never, children, dictionary)
}

function repairVector(vector: Vector): Vector {
  return new Vector((vector.data as Data[]).map(repair))
}

/** New offsets and values for the slots [offset, offset + length), each invalid value replaced. */
function repairStrings(data: Data): Record<number, unknown> {
  const large = data.typeId === Type.LargeUtf8
  const parts: Uint8Array[] = []
  forEachValue(data, (bytes) => parts.push(isUtf8(bytes) ? bytes : encoder.encode(decoder.decode(bytes))))
  const offsets = large ? new BigInt64Array(parts.length + 1) : new Int32Array(parts.length + 1)
  const values = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0))
  let at = 0
  parts.forEach((part, i) => {
    values.set(part, at)
    at += part.byteLength
    if (large) (offsets as BigInt64Array)[i + 1] = BigInt(at)
    else (offsets as Int32Array)[i + 1] = at
  })
  // The slots are re-based to 0, so the validity bitmap must be too.
  return { [0]: offsets, [1]: values, [2]: rebaseBitmap(data), [3]: undefined }
}

function rebaseBitmap(data: Data): Uint8Array | undefined {
  if (data.nullCount === 0) return undefined
  const bitmap = new Uint8Array(Math.ceil(data.length / 8))
  for (let i = 0; i < data.length; i++) if (isValidSlot(data, data.offset + i)) bitmap[i >> 3]! |= 1 << (i & 7)
  return bitmap
}
