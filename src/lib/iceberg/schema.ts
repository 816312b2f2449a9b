/**
 * Iceberg schemas and the Arrow schemas of spill files: a table created from a stream's schema gets
 * fresh field ids as iceberg-go's ArrowSchemaToIcebergWithFreshIDs gives them (1..n in schema
 * order, each nested field right after its parent, depth first), with the same type mapping; a
 * stream appended to an existing table is bound to its current schema by name, so every column
 * gets the table's field id, and a column the table lacks or a type that differs is refused.
 */
import { DataType, Type, TimeUnit, type Field, type Schema } from 'apache-arrow'
import { TableSchemaError } from '../store-errors.js'

export type IcebergType = string | IcebergStruct | IcebergList | IcebergMap

export interface IcebergField {
  readonly id: number
  readonly name: string
  readonly required: boolean
  readonly type: IcebergType
  readonly doc?: string
}

export interface IcebergStruct {
  readonly type: 'struct'
  readonly fields: readonly IcebergField[]
}

export interface IcebergList {
  readonly type: 'list'
  readonly 'element-id': number
  readonly element: IcebergType
  readonly 'element-required': boolean
}

export interface IcebergMap {
  readonly type: 'map'
  readonly 'key-id': number
  readonly key: IcebergType
  readonly 'value-id': number
  readonly value: IcebergType
  readonly 'value-required': boolean
}

export interface IcebergSchema extends IcebergStruct {
  readonly 'schema-id': number
  readonly 'identifier-field-ids'?: readonly number[]
}

/** Field ids by column path (`a`, `s.b`, `l.element`, `m.key`, `m.value`), for the Parquet schema (PARQUET:field_id). */
export type FieldIds = ReadonlyMap<string, number>

const UTC = new Set(['UTC', '+00:00', 'Etc/UTC', 'Z'])

/** The Iceberg schema of a new table for this Arrow schema, with fresh ids (see above). */
export function freshSchema(arrow: Schema, table: string): IcebergSchema {
  let next = 0
  const nextId = () => ++next
  const struct = (fields: readonly Field[], path: string): IcebergField[] =>
    fields.map((field) => {
      const id = nextId()
      return { id, name: field.name, required: !field.nullable, type: typeOf(field.type as DataType, `${path}${field.name}`) }
    })
  const typeOf = (type: DataType, path: string): IcebergType => {
    if (DataType.isDictionary(type)) return typeOf(type.dictionary as DataType, path)
    if (DataType.isStruct(type)) return { type: 'struct', fields: struct(type.children, `${path}.`) }
    if (DataType.isList(type) || DataType.isFixedSizeList(type) || type.typeId === Type.LargeList) {
      const element = type.children[0]!
      const elementId = nextId()
      return { type: 'list', 'element-id': elementId, element: typeOf(element.type as DataType, `${path}.element`), 'element-required': !element.nullable }
    }
    if (DataType.isMap(type)) {
      const [key, value] = ((type.children as Field[])[0]!.type as DataType).children
      const keyId = nextId()
      const valueId = nextId()
      return {
        type: 'map',
        'key-id': keyId,
        key: typeOf(key!.type as DataType, `${path}.key`),
        'value-id': valueId,
        value: typeOf(value!.type as DataType, `${path}.value`),
        'value-required': !value!.nullable,
      }
    }
    return primitive(type, path, table)
  }
  return { type: 'struct', 'schema-id': 0, fields: struct(arrow.fields, '') }
}

/** The Iceberg primitive type of an Arrow type, as iceberg-go maps it; what has none is refused by name. */
function primitive(type: DataType, column: string, table: string): string {
  switch (type.typeId) {
    case Type.Bool:
      return 'boolean'
    case Type.Int: {
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean }
      return bitWidth < 32 || (bitWidth === 32 && isSigned) ? 'int' : 'long'
    }
    case Type.Float:
      return (type as unknown as { precision: number }).precision === 2 ? 'double' : 'float'
    case Type.Decimal: {
      const { precision, scale } = type as unknown as { precision: number; scale: number }
      return `decimal(${precision}, ${scale})`
    }
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Utf8View:
      return 'string'
    case Type.Binary:
    case Type.LargeBinary:
    case Type.BinaryView:
      return 'binary'
    case Type.FixedSizeBinary:
      return `fixed[${(type as unknown as { byteWidth: number }).byteWidth}]`
    case Type.Date:
      return 'date'
    case Type.Time:
      if ((type as unknown as { unit: TimeUnit }).unit === TimeUnit.MICROSECOND) return 'time'
      break
    case Type.Timestamp: {
      const { unit, timezone } = type as unknown as { unit: TimeUnit; timezone?: string | null }
      // Table format 2 has microsecond timestamps only.
      if (unit === TimeUnit.NANOSECOND) break
      if (!timezone) return 'timestamp'
      if (UTC.has(timezone)) return 'timestamptz'
      break
    }
  }
  throw new TableSchemaError(table, `column ${column}: ${(type as { toString(): string }).toString()} has no Iceberg type of table format 2`)
}

/**
 * The field ids of an Arrow schema's columns in an existing table: each column is found in the
 * table's schema by name, and must have the table's type (or one Iceberg promotes to it: int to
 * long, float to double); a column the table lacks, or of another type, is refused by name.
 */
export function bindColumns(tableSchema: IcebergSchema, arrow: Schema, table: string): FieldIds {
  const ids = new Map<string, number>()
  const created = freshSchema(arrow, table)
  const bind = (found: readonly IcebergField[], wanted: readonly IcebergField[], path: string) => {
    for (const field of wanted) {
      const match = found.find((candidate) => candidate.name === field.name)
      const at = `${path}${field.name}`
      if (!match) throw new TableSchemaError(table, `column ${at}: the table has no such column (its columns: ${found.map((f) => f.name).join(', ')})`)
      ids.set(at, match.id)
      bindType(match.type, field.type, at)
    }
  }
  const bindType = (found: IcebergType, wanted: IcebergType, at: string) => {
    if (typeof found === 'string' || typeof wanted === 'string') {
      if (!sameOrPromoted(wanted, found)) throw new TableSchemaError(table, `column ${at}: the table has ${typeName(found)}, this data has ${typeName(wanted)}`)
      return
    }
    if (found.type !== wanted.type) throw new TableSchemaError(table, `column ${at}: the table has ${typeName(found)}, this data has ${typeName(wanted)}`)
    if (found.type === 'struct') bind(found.fields, (wanted as IcebergStruct).fields, `${at}.`)
    else if (found.type === 'list') {
      ids.set(`${at}.element`, found['element-id'])
      bindType(found.element, (wanted as IcebergList).element, `${at}.element`)
    } else {
      const map = wanted as IcebergMap
      ids.set(`${at}.key`, found['key-id'])
      ids.set(`${at}.value`, found['value-id'])
      bindType(found.key, map.key, `${at}.key`)
      bindType(found.value, map.value, `${at}.value`)
    }
  }
  bind(tableSchema.fields, created.fields, '')
  return ids
}

/** The field ids of a schema, by column path (as bindColumns gives them). */
export function fieldIdsOf(schema: IcebergSchema): FieldIds {
  const ids = new Map<string, number>()
  const child = (path: string, name: string) => (path ? `${path}.${name}` : name)
  const walk = (type: IcebergType, path: string) => {
    if (typeof type === 'string') return
    if (type.type === 'struct') {
      for (const field of type.fields) {
        ids.set(child(path, field.name), field.id)
        walk(field.type, child(path, field.name))
      }
    } else if (type.type === 'list') {
      ids.set(child(path, 'element'), type['element-id'])
      walk(type.element, child(path, 'element'))
    } else {
      ids.set(child(path, 'key'), type['key-id'])
      ids.set(child(path, 'value'), type['value-id'])
      walk(type.key, child(path, 'key'))
      walk(type.value, child(path, 'value'))
    }
  }
  walk(schema, '')
  return ids
}

function sameOrPromoted(from: IcebergType, to: IcebergType): boolean {
  if (from === to) return true
  return (from === 'int' && to === 'long') || (from === 'float' && to === 'double')
}

function typeName(type: IcebergType): string {
  return typeof type === 'string' ? type : type.type
}

/**
 * The table's name mapping (`schema.name-mapping.default`): each field's id by its name, nested as
 * the schema nests, for readers of files written without field ids (the exporter's).
 */
export function nameMapping(schema: IcebergSchema): unknown[] {
  const mapped = (type: IcebergType): unknown[] | undefined => {
    if (typeof type === 'string') return undefined
    if (type.type === 'struct') return type.fields.map((field) => ({ 'field-id': field.id, names: [field.name], ...optional('fields', mapped(field.type)) }))
    if (type.type === 'list') return [{ 'field-id': type['element-id'], names: ['element'], ...optional('fields', mapped(type.element)) }]
    return [
      { 'field-id': type['key-id'], names: ['key'], ...optional('fields', mapped(type.key)) },
      { 'field-id': type['value-id'], names: ['value'], ...optional('fields', mapped(type.value)) },
    ]
  }
  return mapped(schema) ?? []
}

function optional(key: string, value: unknown): Record<string, unknown> {
  return value === undefined ? {} : { [key]: value }
}

/** A top-level field of the schema by name. */
export function topField(schema: IcebergSchema, name: string): IcebergField | undefined {
  return schema.fields.find((field) => field.name === name)
}
