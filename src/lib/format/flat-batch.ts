/**
 * Record batches of flat schemas, checked on their message bytes. The exporter's tables, and most
 * producers' logs, are columns of fixed-width values, booleans and strings, nothing nested, no
 * dictionaries. For those, the checks bufctl makes before it trusts a batch (batch-integrity) are
 * made directly on the buffers the record batch's metadata points at, without apache-arrow's
 * reader: no schema decoded again for every batch, no vectors built for rows only counted. Checked
 * columns can still be wrapped as an apache-arrow batch (one Data per column, zero-copy) where rows
 * are looked at (UTF-8 repair counts, partitioning).
 *
 * Anything else — nested or dictionary-encoded columns, compressed bodies, metadata older than V4,
 * node or buffer counts that do not match the schema, buffers not aligned for their values — is not judged here:
 * `readFlatBatch` answers undefined and the caller decodes the batch with apache-arrow, as before.
 */
import { ByteBuffer } from 'flatbuffers'
import { Message } from 'apache-arrow/fb/message'
import { MessageHeader } from 'apache-arrow/fb/message-header'
import { MetadataVersion } from 'apache-arrow/fb/metadata-version'
import { RecordBatch as RecordBatchHeader } from 'apache-arrow/fb/record-batch'
import type { Field as FieldHeader } from 'apache-arrow/fb/field'
import { Type } from 'apache-arrow/fb/type'
import { Int } from 'apache-arrow/fb/int'
import { FloatingPoint } from 'apache-arrow/fb/floating-point'
import { Decimal } from 'apache-arrow/fb/decimal'
import { Date as DateHeader } from 'apache-arrow/fb/date'
import { Time } from 'apache-arrow/fb/time'
import { Interval } from 'apache-arrow/fb/interval'
import { IntervalUnit } from 'apache-arrow/fb/interval-unit'
import { FixedSizeBinary } from 'apache-arrow/fb/fixed-size-binary'
import { Endianness } from 'apache-arrow/fb/endianness'
import { schemaHeader } from './schema-summary.js'
import { bodyBuffers, fieldNodes } from './int64-pairs.js'

/** How one flat column lies in a record batch's body: validity bitmap, then its value buffers. */
export interface FlatColumnLayout {
  readonly name: string
  /** `fixed`: `width` bytes per value; `bool`: a bit per value; `var32`/`var64`: offsets of that width, then the values' bytes. */
  readonly kind: 'fixed' | 'bool' | 'var32' | 'var64'
  readonly width: number
}

/** One column's buffers in a checked batch (views into the message bytes). */
export interface FlatColumn {
  readonly length: number
  readonly nullCount: number
  /** Present when the column has nulls. */
  readonly validity?: Uint8Array
  /** Variable-width columns: value offsets. */
  readonly offsets?: Int32Array | BigInt64Array
  readonly values: Uint8Array
}

/** The layout of a schema message whose columns are all flat, or undefined when one is not (or the message cannot be read). */
export function flatLayout(schemaMessage: Uint8Array): FlatColumnLayout[] | undefined {
  try {
    const schema = schemaHeader(schemaMessage)
    if (!schema || schema.endianness() === Endianness.Big || schema.fieldsLength() === 0) return undefined
    const columns: FlatColumnLayout[] = []
    for (let i = 0; i < schema.fieldsLength(); i++) {
      const field = schema.fields(i)!
      const layout = field.dictionary() || field.childrenLength() > 0 ? undefined : columnLayout(field)
      if (!layout) return undefined
      columns.push({ name: field.name() ?? String(i), ...layout })
    }
    return columns
  } catch {
    return undefined
  }
}

function columnLayout(field: FieldHeader): Omit<FlatColumnLayout, 'name'> | undefined {
  const fixed = (width: number | undefined) => (width !== undefined && Number.isInteger(width) && width > 0 ? { kind: 'fixed' as const, width } : undefined)
  switch (field.typeType()) {
    case Type.Bool:
      return { kind: 'bool', width: 0 }
    case Type.Utf8:
    case Type.Binary:
      return { kind: 'var32', width: 4 }
    case Type.LargeUtf8:
    case Type.LargeBinary:
      return { kind: 'var64', width: 8 }
    case Type.Int:
      return fixed(bytesOf((field.type(new Int()) as Int | null)?.bitWidth(), [8, 16, 32, 64]))
    case Type.FloatingPoint:
      return fixed([2, 4, 8][(field.type(new FloatingPoint()) as FloatingPoint | null)?.precision() ?? -1])
    case Type.Decimal:
      return fixed(bytesOf((field.type(new Decimal()) as Decimal | null)?.bitWidth(), [32, 64, 128, 256]))
    case Type.Date:
      return fixed([4, 8][(field.type(new DateHeader()) as DateHeader | null)?.unit() ?? -1])
    case Type.Time:
      return fixed(bytesOf((field.type(new Time()) as Time | null)?.bitWidth(), [32, 64]))
    case Type.Timestamp:
    case Type.Duration:
      return fixed(8)
    case Type.Interval: {
      const unit = (field.type(new Interval()) as Interval | null)?.unit()
      return fixed(unit === IntervalUnit.YEAR_MONTH ? 4 : unit === IntervalUnit.DAY_TIME ? 8 : undefined)
    }
    case Type.FixedSizeBinary:
      return fixed((field.type(new FixedSizeBinary()) as FixedSizeBinary | null)?.byteWidth())
    default:
      return undefined
  }
}

function bytesOf(bits: number | undefined, allowed: readonly number[]): number | undefined {
  return bits !== undefined && allowed.includes(bits) ? bits / 8 : undefined
}

/**
 * Checks one record batch message against `layout` and returns its columns. `message` holds the
 * whole message (its metadata at `metadataStart`, `metadataLength` bytes, then the body). Throws an
 * Error saying what is wrong when the buffers cannot hold the rows the metadata claims; returns
 * undefined when the batch is not one this module judges (see above).
 */
export function readFlatBatch(layout: readonly FlatColumnLayout[], message: Uint8Array, metadataStart: number, metadataLength: number): FlatColumn[] | undefined {
  const bodyStart = metadataStart + metadataLength
  const header = Message.getRootAsMessage(new ByteBuffer(message.subarray(metadataStart, bodyStart)))
  // Metadata before V4 lays buffers out with a page id that the generated accessors do not read.
  if (header.headerType() !== MessageHeader.RecordBatch || header.version() < MetadataVersion.V4) return undefined
  const batch = header.header(new RecordBatchHeader()) as RecordBatchHeader | null
  if (!batch || batch.compression() !== null || batch.variadicBufferCountsLength() > 0) return undefined
  if (batch.nodesLength() !== layout.length || batch.buffersLength() !== layout.reduce((sum, column) => sum + (column.kind.startsWith('var') ? 3 : 2), 0)) return undefined
  const body = message.subarray(bodyStart)
  const rows = Number(batch.length())
  const buffers = new BodyBuffers(body, bodyBuffers(batch))
  const nodes = fieldNodes(batch)
  // Every batch of a backlog of small ones comes through here: no closure, iterator entry or view
  // is made per column that the checks do not need (the planner's young generation is small).
  const columns: FlatColumn[] = []
  let next = 0
  for (let index = 0; index < layout.length; index++) {
    const column = layout[index]!
    const length = nodes.first(index)
    const nullCount = nodes.second(index)
    if (length === undefined || nullCount === undefined || nullCount < 0 || nullCount > length)
      throw new Error(`column ${column.name} has length ${length ?? '?'} and null count ${nullCount ?? '?'}`)
    const variable = column.kind === 'var32' || column.kind === 'var64'
    const validityAt = next++
    buffers.check(validityAt)
    const offsetsAt = variable ? next++ : -1
    const values = buffers.view(next++)
    const offsetBytes = variable ? buffers.view(offsetsAt) : undefined
    // Typed views need aligned buffers; an unaligned one goes the general way (which copies or refuses it).
    if (column.kind === 'fixed' && values.byteOffset % alignmentOf(column.width) !== 0) return undefined
    if (offsetBytes && offsetBytes.byteOffset % column.width !== 0) return undefined
    if (length !== rows) throw new Error(`column ${column.name} has ${length} rows, the batch ${rows}`)
    let validity: Uint8Array | undefined
    if (nullCount > 0) {
      validity = buffers.view(validityAt)
      if (validity.byteLength * 8 < length) failColumn(column, 'validity bitmap shorter than the column')
      const nulls = length - countSetBits(validity, length)
      if (nulls !== nullCount) failColumn(column, `null count ${nullCount} but ${nulls} nulls in the validity bitmap`)
    }
    const offsets = offsetBytes && offsetView(offsetBytes, column.kind === 'var64')
    checkValues(column, length, values, offsets)
    columns.push({ length, nullCount, validity, offsets, values })
  }
  return columns
}

/** The buffers of a record batch's body, each checked to lie inside it. */
class BodyBuffers {
  constructor(
    private readonly body: Uint8Array,
    private readonly ranges: ReturnType<typeof bodyBuffers>,
  ) {}

  /** Where buffer `index` ends in the body; throws unless it lies inside it. */
  check(index: number): number {
    const start = this.ranges.first(index)
    const length = this.ranges.second(index)
    if (start === undefined || length === undefined || start < 0 || length < 0 || start + length > this.body.byteLength) throw new Error(`buffer ${index} lies outside the body`)
    return start + length
  }

  /** Buffer `index`, as a view of the body. */
  view(index: number): Uint8Array {
    const end = this.check(index)
    return this.body.subarray(this.ranges.first(index), end)
  }
}

function failColumn(column: FlatColumnLayout, what: string): never {
  throw new Error(`column ${column.name}: ${what}`)
}

/** The alignment asked of values `width` bytes wide: enough for any typed view of them (decimals are read as 32-bit words). */
function alignmentOf(width: number): number {
  return width === 2 || width === 4 || width === 8 ? width : width % 4 === 0 ? 4 : 1
}

function offsetView(bytes: Uint8Array, large: boolean): Int32Array | BigInt64Array {
  return large ? new BigInt64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 3) : new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2)
}

function checkValues(column: FlatColumnLayout, length: number, values: Uint8Array, offsets: Int32Array | BigInt64Array | undefined): void {
  if (column.kind === 'bool') {
    if (values.byteLength * 8 < length) failColumn(column, 'boolean values shorter than the column')
    return
  }
  if (column.kind === 'fixed') {
    if (values.byteLength < length * column.width) failColumn(column, `values (${values.byteLength} bytes) shorter than the column (${length} × ${column.width})`)
    return
  }
  // A column without rows may have no offsets at all (Arrow C++, Go and Rust read it so).
  if (length === 0) return
  if (!offsets || offsets.length < length + 1) failColumn(column, 'value offsets shorter than the column')
  const first = Number(offsets[0]!)
  const last = Number(offsets[length]!)
  if (first < 0 || last < first || last > values.byteLength) failColumn(column, `value offsets ${first}..${last} outside ${values.byteLength} bytes of data`)
  for (let i = 0; i < length; i++) {
    if (offsets[i + 1]! < offsets[i]!) failColumn(column, `value offsets decrease at row ${i}`)
  }
}

/** Set bits among the first `length` bits of a validity bitmap. */
function countSetBits(bitmap: Uint8Array, length: number): number {
  let set = 0
  const whole = length >> 3
  for (let i = 0; i < whole; i++) set += BITS_SET[bitmap[i]!]!
  for (let bit = whole * 8; bit < length; bit++) if ((bitmap[bit >> 3]! & (1 << (bit & 7))) !== 0) set++
  return set
}

const BITS_SET = Uint8Array.from({ length: 256 }, (_, byte) => {
  let count = 0
  for (let value = byte; value > 0; value >>= 1) count += value & 1
  return count
})
