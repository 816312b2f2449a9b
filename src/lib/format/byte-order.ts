/**
 * Byte order: which buffers of a record batch (or dictionary batch) hold multi-byte values, of what
 * width, as the IPC format lays the buffers of a schema's fields out — and those values swapped.
 * What a big-endian stream needs to be read as little-endian (ipc-normalize), and the reverse.
 */
import type { Message } from 'apache-arrow/fb/message'
import { MessageHeader } from 'apache-arrow/fb/message-header'
import type { RecordBatch as RecordBatchHeader } from 'apache-arrow/fb/record-batch'
import { DictionaryBatch as DictionaryBatchHeader } from 'apache-arrow/fb/dictionary-batch'
import type { Schema as SchemaHeader } from 'apache-arrow/fb/schema'
import type { Field as FieldHeader } from 'apache-arrow/fb/field'
import { Type } from 'apache-arrow/fb/type'
import { Int } from 'apache-arrow/fb/int'
import { FloatingPoint } from 'apache-arrow/fb/floating-point'
import { Precision } from 'apache-arrow/fb/precision'
import { Decimal } from 'apache-arrow/fb/decimal'
import { Date as DateType } from 'apache-arrow/fb/date'
import { DateUnit } from 'apache-arrow/fb/date-unit'
import { Time } from 'apache-arrow/fb/time'
import { Interval } from 'apache-arrow/fb/interval'
import { IntervalUnit } from 'apache-arrow/fb/interval-unit'
import { Union } from 'apache-arrow/fb/union'
import { UnionMode } from 'apache-arrow/fb/union-mode'

/** How one buffer's values are turned from big-endian to little-endian. */
export type Swap = { readonly kind: 'none' } | { readonly kind: 'each'; readonly width: number } | { readonly kind: 'views' }

/** Values in the other byte order (a copy). */
export function swapped(bytes: Uint8Array, swap: Exclude<Swap, { kind: 'none' }>): Uint8Array {
  const copy = bytes.slice()
  if (swap.kind === 'each') {
    const width = swap.width
    for (let at = 0; at + width <= copy.byteLength; at += width) copy.subarray(at, at + width).reverse()
    return copy
  }
  // Views (Utf8View, BinaryView): 16 bytes each — a length, then 12 inline bytes, or a 4-byte prefix, a buffer index and an offset.
  for (let at = 0; at + 16 <= copy.byteLength; at += 16) {
    copy.subarray(at, at + 4).reverse()
    const length = new DataView(copy.buffer, at, 4).getInt32(0, true)
    if (length > 12) {
      copy.subarray(at + 8, at + 12).reverse()
      copy.subarray(at + 12, at + 16).reverse()
    }
  }
  return copy
}

/** How each buffer of a batch (or a dictionary batch) of this schema is swapped, in the order the message lists them. */
export function bufferSwaps(schema: SchemaHeader, message: Message, batch: RecordBatchHeader): Swap[] {
  const layout: Layout = { swaps: [], variadic: [], next: 0 }
  for (let i = 0; i < batch.variadicBufferCountsLength(); i++) layout.variadic.push(Number(batch.variadicBufferCounts(i)))
  if (message.headerType() === MessageHeader.DictionaryBatch) {
    const id = (message.header(new DictionaryBatchHeader()) as DictionaryBatchHeader).id()
    const field = dictionaryField(schema, id)
    if (field) fieldSwaps(field, layout, true)
    return layout.swaps
  }
  for (let i = 0; i < schema.fieldsLength(); i++) fieldSwaps(schema.fields(i)!, layout, false)
  return layout.swaps
}

/** The swaps found so far, and the batch's variadic buffer counts (one per view column, in order). */
interface Layout {
  readonly swaps: Swap[]
  readonly variadic: number[]
  next: number
}

/** The field whose dictionary has this id (its value type is the dictionary batch's column). */
function dictionaryField(schema: SchemaHeader, id: bigint): FieldHeader | undefined {
  const pending: FieldHeader[] = []
  for (let i = 0; i < schema.fieldsLength(); i++) pending.push(schema.fields(i)!)
  while (pending.length > 0) {
    const field = pending.pop()!
    if (field.dictionary()?.id() === id) return field
    for (let c = 0; c < field.childrenLength(); c++) pending.push(field.children(c)!)
  }
  return undefined
}

const NONE: Swap = { kind: 'none' }
const each = (width: number): Swap => (width > 1 ? { kind: 'each', width } : NONE)

/** The buffers one field adds (with its children's), as the IPC format lays them out. `asValues`: the dictionary's values, not its indices. */
function fieldSwaps(field: FieldHeader, layout: Layout, asValues: boolean): void {
  const dictionary = field.dictionary()
  if (dictionary && !asValues) {
    // A dictionary-encoded column holds its indices; its values come in dictionary batches.
    const index = dictionary.indexType()
    layout.swaps.push(NONE, each(index ? index.bitWidth() / 8 : 4))
    return
  }
  layout.swaps.push(...ownSwaps(field, layout))
  for (let c = 0; c < field.childrenLength(); c++) fieldSwaps(field.children(c)!, layout, false)
}

/** The buffers of the field itself (its children's follow). */
function ownSwaps(field: FieldHeader, layout: Layout): Swap[] {
  switch (field.typeType()) {
    case Type.Bool:
    case Type.FixedSizeBinary:
      return [NONE, NONE]
    case Type.Int:
      return [NONE, each((field.type(new Int()) as Int).bitWidth() / 8)]
    case Type.FloatingPoint: {
      const precision = (field.type(new FloatingPoint()) as FloatingPoint).precision()
      return [NONE, each(precision === Precision.HALF ? 2 : precision === Precision.SINGLE ? 4 : 8)]
    }
    case Type.Decimal:
      // Decimal128 and Decimal256 are one integer each, stored whole in the stream's byte order.
      return [NONE, each((field.type(new Decimal()) as Decimal).bitWidth() / 8)]
    case Type.Date:
      return [NONE, each((field.type(new DateType()) as DateType).unit() === DateUnit.DAY ? 4 : 8)]
    case Type.Time:
      return [NONE, each((field.type(new Time()) as Time).bitWidth() / 8)]
    case Type.Timestamp:
    case Type.Duration:
      return [NONE, each(8)]
    case Type.Interval:
      // Year-month: one int32; day-time: two int32s (month-day-nano is refused before any body is read).
      return [NONE, each((field.type(new Interval()) as Interval).unit() === IntervalUnit.MONTH_DAY_NANO ? 1 : 4)]
    case Type.Binary:
    case Type.Utf8:
      return [NONE, each(4), NONE]
    case Type.LargeBinary:
    case Type.LargeUtf8:
      return [NONE, each(8), NONE]
    case Type.BinaryView:
    case Type.Utf8View:
      // Variadic data buffers follow, as many as the batch says: bytes, left as they are.
      return [NONE, { kind: 'views' }, ...Array<Swap>(layout.variadic[layout.next++] ?? 0).fill(NONE)]
    case Type.List:
    case Type.Map:
      return [NONE, each(4)]
    case Type.LargeList:
      return [NONE, each(8)]
    case Type.FixedSizeList:
    case Type.Struct_:
      return [NONE]
    case Type.Union:
      return (field.type(new Union()) as Union).mode() === UnionMode.Dense ? [NONE, each(4)] : [NONE]
    case Type.ListView:
      return [NONE, each(4), each(4)]
    case Type.LargeListView:
      return [NONE, each(8), each(8)]
    default:
      // Null and run-end encoded columns have no buffers of their own.
      return []
  }
}
