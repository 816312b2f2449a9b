/**
 * What bufctl can carry from Arrow IPC to Parquet, decided from a schema message alone, before any
 * batch is decoded: every column type apache-arrow decodes and parquet-wasm writes. The rest —
 * unions, run-end encoded and list-view columns, month-day-nano intervals, empty structs, columns
 * nested past a sane depth, big-endian streams, schemas wider than a cap — is refused by name
 * ("unsupported type <type> in column <name>"), never called damage, never half written.
 */
import type { Schema as SchemaHeader } from 'apache-arrow/fb/schema'
import type { Field as FieldHeader } from 'apache-arrow/fb/field'
import { Type } from 'apache-arrow/fb/type'
import { Interval } from 'apache-arrow/fb/interval'
import { IntervalUnit } from 'apache-arrow/fb/interval-unit'
import { Endianness } from 'apache-arrow/fb/endianness'
import { schemaHeader } from './schema-summary.js'

/** Columns (at any depth) a schema may have before it is refused as too wide. */
export const DEFAULT_MAX_COLUMNS = 10_000
/** Nesting deeper than this (a list of lists of …) is refused. */
const MAX_DEPTH = 32

export interface Unsupported {
  /** The top-level column, or '' for what concerns the whole stream. */
  readonly column: string
  readonly type: string
  /** `unsupported type <type> in column <name>`, or why the stream as a whole cannot be read. */
  readonly reason: string
}

const NEVER: Partial<Record<Type, string>> = {
  [Type.Union]: 'Union',
  [Type.RunEndEncoded]: 'RunEndEncoded',
  [Type.ListView]: 'ListView',
  [Type.LargeListView]: 'LargeListView',
}

/** Why bufctl cannot write this stream's data to Parquet, or undefined when it can. */
export function unsupportedIn(schemaMessage: Uint8Array, maxColumns = DEFAULT_MAX_COLUMNS): Unsupported | undefined {
  let schema: SchemaHeader | undefined
  try {
    schema = schemaHeader(schemaMessage)
    if (!schema) return undefined
  } catch {
    return undefined // framing reports unreadable metadata
  }
  if (schema.endianness() === Endianness.Big) return { column: '', type: 'big-endian', reason: 'big-endian, not supported: bufctl reads little-endian Arrow only' }
  let columns = 0
  for (let i = 0; i < schema.fieldsLength(); i++) {
    const field = schema.fields(i)!
    const name = field.name() ?? String(i)
    const pending: { field: FieldHeader; depth: number }[] = [{ field, depth: 0 }]
    while (pending.length > 0) {
      const { field: current, depth } = pending.pop()!
      if (++columns > maxColumns) return { column: name, type: 'schema', reason: `more than ${maxColumns} columns (raise the cap with --max-columns)` }
      if (depth > MAX_DEPTH) return { column: name, type: 'nesting', reason: `column ${name} is nested more than ${MAX_DEPTH} levels deep` }
      const type = unsupportedType(current)
      if (type) return { column: name, type, reason: `unsupported type ${type} in column ${name}` }
      for (let c = 0; c < current.childrenLength(); c++) pending.push({ field: current.children(c)!, depth: depth + 1 })
    }
  }
  return undefined
}

function unsupportedType(field: FieldHeader): string | undefined {
  const kind = field.typeType()
  const never = NEVER[kind]
  if (never) return never
  if (kind === Type.Struct_ && field.childrenLength() === 0) return 'Struct<> (a struct without fields)'
  if (kind === Type.Interval && (field.type(new Interval()) as Interval).unit() === IntervalUnit.MONTH_DAY_NANO) return 'Interval<MONTH_DAY_NANO>'
  if (kind === Type.NONE || kind > Type.LargeListView) return `type #${kind}`
  return undefined
}
