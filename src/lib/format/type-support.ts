/**
 * What bufctl can carry from Arrow IPC to Parquet, decided from a schema message alone, before any
 * batch is decoded: every column type apache-arrow decodes and parquet-wasm writes. The rest —
 * unions, run-end encoded and list-view columns, month-day-nano intervals, empty structs, columns
 * nested past a sane depth, two columns of one name, schemas wider than a cap — is refused by name
 * ("unsupported type <type> in column <name>"), never called damage, never half written.
 */
import type { Schema as SchemaHeader } from 'apache-arrow/fb/schema'
import type { Field as FieldHeader } from 'apache-arrow/fb/field'
import { Type } from 'apache-arrow/fb/type'
import { Interval } from 'apache-arrow/fb/interval'
import { IntervalUnit } from 'apache-arrow/fb/interval-unit'
import { Decimal } from 'apache-arrow/fb/decimal'
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
  let columns = 0
  const names = new Set<string>()
  for (let i = 0; i < schema.fieldsLength(); i++) {
    const field = schema.fields(i)!
    const name = field.name() ?? String(i)
    // Readers find columns by name: pyarrow refuses a file with two of one name (the Parquet format allows it).
    if (names.has(name)) return { column: name, type: 'schema', reason: `two columns named ${name}: readers find columns by name, and pyarrow refuses such a file` }
    names.add(name)
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
  if (kind === Type.Interval) {
    // Parquet's INTERVAL, the only home of the other two, is read by neither polars nor hyparquet.
    const unit = (field.type(new Interval()) as Interval).unit()
    return `Interval<${unit === IntervalUnit.MONTH_DAY_NANO ? 'MONTH_DAY_NANO' : unit === IntervalUnit.YEAR_MONTH ? 'YEAR_MONTH' : 'DAY_TIME'}>`
  }
  if (kind === Type.Decimal) {
    // Parquet takes any precision; polars reads at most 38 digits.
    const decimal = field.type(new Decimal()) as Decimal
    if (decimal.precision() > 38) return `Decimal<${decimal.precision()}, ${decimal.scale()}> (more than 38 digits)`
  }
  if (kind === Type.NONE || kind > Type.LargeListView) return `type #${kind}`
  return undefined
}

/**
 * Why a stream's batches are valid Arrow that the Parquet writer does not take as they are, so
 * that each is decoded and written again on its way in (ipc-normalize, plain-dictionaries), or
 * undefined: a big-endian stream, an extension type, or a dictionary of nested values (or one inside another).
 */
export function rewriteReason(schemaMessage: Uint8Array): string | undefined {
  let schema: SchemaHeader | undefined
  try {
    schema = schemaHeader(schemaMessage)
  } catch {
    return undefined
  }
  if (!schema) return undefined
  if (schema.endianness() === Endianness.Big) return 'big-endian'
  for (let i = 0; i < schema.fieldsLength(); i++) {
    const field = schema.fields(i)!
    for (let m = 0; m < field.customMetadataLength(); m++) if (field.customMetadata(m)?.key() === 'ARROW:extension:name') return 'an extension type'
  }
  const pending: { field: FieldHeader; insideDictionary: boolean }[] = []
  for (let i = 0; i < schema.fieldsLength(); i++) pending.push({ field: schema.fields(i)!, insideDictionary: false })
  while (pending.length > 0) {
    const { field, insideDictionary } = pending.pop()!
    const dictionary = field.dictionary() !== null
    if (dictionary && (insideDictionary || field.childrenLength() > 0)) return 'a dictionary of nested values'
    for (let c = 0; c < field.childrenLength(); c++) pending.push({ field: field.children(c)!, insideDictionary: insideDictionary || dictionary })
  }
  return undefined
}
