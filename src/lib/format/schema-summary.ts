/**
 * `[name:type, ...]` of a schema message, read with the flatbuffer accessors alone, so that status
 * can show schemas without loading apache-arrow. Spelled exactly as ipc-codec's fieldList (a test
 * holds them together); a type it does not know returns undefined and the caller falls back.
 */
import { ByteBuffer } from 'flatbuffers'
import { Message } from 'apache-arrow/fb/message'
import { MessageHeader } from 'apache-arrow/fb/message-header'
import { Schema as SchemaHeader } from 'apache-arrow/fb/schema'
import type { Field as FieldHeader } from 'apache-arrow/fb/field'
import { Type } from 'apache-arrow/fb/type'
import { Int } from 'apache-arrow/fb/int'
import { FloatingPoint } from 'apache-arrow/fb/floating-point'
import { Timestamp } from 'apache-arrow/fb/timestamp'
import { Date as DateType } from 'apache-arrow/fb/date'
import type { FoundColumn } from './exporter-schemas.js'

const TIME_UNITS = ['SECOND', 'MILLISECOND', 'MICROSECOND', 'NANOSECOND']
const FLOAT_BITS = [16, 32, 64]
const DATE_UNITS = ['DAY', 'MILLISECOND']
const SIMPLE: Partial<Record<Type, string>> = {
  [Type.Null]: 'Null',
  [Type.Bool]: 'Bool',
  [Type.Utf8]: 'Utf8',
  [Type.LargeUtf8]: 'LargeUtf8',
  [Type.Binary]: 'Binary',
  [Type.LargeBinary]: 'LargeBinary',
}

/** The schema message's fields as `[name:type, ...]`, or undefined when a type is not covered here. */
export function summarizeSchemaMessage(schemaMessage: Uint8Array): string | undefined {
  const columns = schemaColumns(schemaMessage)
  return columns && `[${columns.map((c) => `${c.name}:${c.type}${c.nullable ? '' : ' not null'}`).join(', ')}]`
}

/** The schema message's columns (name, type as fieldList spells it, nullability), or undefined when a type is not covered here. */
export function schemaColumns(schemaMessage: Uint8Array): FoundColumn[] | undefined {
  try {
    const schema = schemaHeader(schemaMessage)
    if (!schema) return undefined
    const columns: FoundColumn[] = []
    for (let i = 0; i < schema.fieldsLength(); i++) {
      const field = schema.fields(i)!
      const type = typeName(field)
      if (type === undefined) return undefined
      columns.push({ name: field.name() ?? '', type, nullable: field.nullable() })
    }
    return columns
  } catch {
    return undefined
  }
}

function typeName(field: FieldHeader): string | undefined {
  const value = valueTypeName(field)
  const dictionary = field.dictionary()
  if (!dictionary || value === undefined) return value
  const index = dictionary.indexType()
  return `Dictionary<${index ? intName(index) : 'Int32'}, ${value}>`
}

function valueTypeName(field: FieldHeader): string | undefined {
  const kind = field.typeType()
  if (SIMPLE[kind]) return SIMPLE[kind]
  switch (kind) {
    case Type.Int:
      return intName(field.type(new Int()) as Int)
    case Type.FloatingPoint:
      return `Float${FLOAT_BITS[(field.type(new FloatingPoint()) as FloatingPoint).precision()]}`
    case Type.Timestamp: {
      const timestamp = field.type(new Timestamp()) as Timestamp
      const zone = timestamp.timezone()
      return `Timestamp<${TIME_UNITS[timestamp.unit()]}${zone ? `, ${zone}` : ''}>`
    }
    case Type.Date: {
      const unit = (field.type(new DateType()) as DateType).unit()
      return `Date${(unit + 1) * 32}<${DATE_UNITS[unit]}>`
    }
    default:
      return undefined
  }
}

function intName(type: Int): string {
  return `${type.isSigned() ? 'I' : 'Ui'}nt${type.bitWidth()}`
}

/** How the Parquet writer should store a file's top-level columns beyond its defaults (writer-settings). */
export interface ColumnEncodings {
  /** Timestamps, not dictionary-encoded in Arrow: stored as deltas. */
  readonly deltas: readonly string[]
  /** Other numbers, not dictionary-encoded in Arrow: stored plain, without a Parquet dictionary. */
  readonly plain: readonly string[]
}

/** Number types other than timestamps, which a Parquet dictionary does not pay for (writer-settings). */
const NUMBERS = new Set([Type.Int, Type.FloatingPoint, Type.Decimal, Type.Date, Type.Time, Type.Duration])

/**
 * The exporter's identifier columns: hex of random bytes, nearly every value distinct, so a
 * dictionary fills, is abandoned a quarter into each row group and only cost the hashing. Stored
 * plainly, 1M exporter logs took ~0.2 s less CPU and 5% fewer bytes. (Short values: a row group of
 * them stays small uncompressed, unlike long text that falls out of its dictionary.)
 */
const IDENTIFIERS = new Set(['trace_id', 'span_id', 'parent_span_id'])
const STRINGS = new Set([Type.Utf8, Type.LargeUtf8, Type.Binary, Type.LargeBinary])

/**
 * The top-level columns of a schema message the Parquet writer stores otherwise than by default.
 * Columns that are dictionary-encoded in Arrow keep their dictionary. Empty when the message cannot be read.
 */
export function columnEncodings(schemaMessage: Uint8Array): ColumnEncodings {
  const deltas: string[] = []
  const plain: string[] = []
  try {
    const schema = schemaHeader(schemaMessage)
    if (!schema) return { deltas, plain }
    for (let i = 0; i < schema.fieldsLength(); i++) {
      const field = schema.fields(i)!
      const name = field.name()
      if (!name || field.dictionary()) continue
      if (field.typeType() === Type.Timestamp) deltas.push(name)
      else if (NUMBERS.has(field.typeType()) || (IDENTIFIERS.has(name) && STRINGS.has(field.typeType()))) plain.push(name)
    }
    return { deltas, plain }
  } catch {
    return { deltas: [], plain: [] }
  }
}

/** The Schema flatbuffer of a framed schema message (with or without the continuation marker), or undefined when it holds another message. Throws on bytes that are no flatbuffer. */
export function schemaHeader(schemaMessage: Uint8Array): SchemaHeader | undefined {
  const view = new DataView(schemaMessage.buffer, schemaMessage.byteOffset, schemaMessage.byteLength)
  const prefix = view.getUint32(0, true) === 0xffffffff ? 8 : 4
  const message = Message.getRootAsMessage(new ByteBuffer(schemaMessage.subarray(prefix)))
  return message.headerType() === MessageHeader.Schema ? (message.header(new SchemaHeader()) as SchemaHeader) : undefined
}
