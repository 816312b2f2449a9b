/**
 * Columns that readers would not read as the Parquet writer writes them, made plain:
 * - a dictionary whose values are nested (a list, a struct, a map), or one inside another's values
 *   (as Arrow's integration tests nest them), becomes a column of its values. Parquet has no
 *   dictionary type of its own — it dictionary-encodes every column it can — so readers see the
 *   same values; only Arrow's "categorical" marking goes. Dictionaries of flat values (strings,
 *   numbers), at the top level or inside lists and structs, are left as they are: the writer takes them;
 * - an extension type (arrow.uuid, arrow.json, …) becomes its storage type: the writer keeps the
 *   extension in the file's Arrow schema, and polars refuses a column it does not know, where every
 *   reader reads the storage (16 bytes, a string).
 */
import { Dictionary, Field, List, LargeList, FixedSizeList, Map_, RecordBatch, Schema, Struct, Vector, makeData, vectorFromArray, type Data, type DataType } from 'apache-arrow'

/** Whether a column of this type needs its dictionaries made plain (see above). */
export function needsPlainDictionaries(type: DataType, insideDictionary = false): boolean {
  if (type instanceof Dictionary) {
    const values = type.dictionary as DataType
    return insideDictionary || childrenOf(values).length > 0 || needsPlainDictionaries(values, true)
  }
  return childrenOf(type).some((child) => needsPlainDictionaries(child.type as DataType, insideDictionary))
}

function childrenOf(type: DataType): Field[] {
  return (type.children as Field[] | undefined) ?? []
}

/** The Arrow field metadata that makes a column an extension type. */
const EXTENSION_KEYS = ['ARROW:extension:name', 'ARROW:extension:metadata']

/** The batch with every column that needs it made plain (see above); the same batch when none does. */
export function plainColumns(batch: RecordBatch): RecordBatch {
  const fields = batch.schema.fields
  const extension = (field: Field) => EXTENSION_KEYS.some((key) => field.metadata.has(key))
  if (!fields.some((field) => extension(field) || needsPlainDictionaries(field.type as DataType))) return batch
  const columns = fields.map((field, index) => {
    const column = batch.getChildAt(index)!
    if (!needsPlainDictionaries(field.type as DataType)) return column
    const type = plainType(field.type as DataType)
    return vectorFromArray(
      Array.from({ length: column.length }, (_, row) => plainValue(column.get(row))),
      type,
    )
  })
  const metadata = (field: Field) => new Map([...field.metadata].filter(([key]) => !EXTENSION_KEYS.includes(key)))
  const plainFields = fields.map((field, index) => new Field(field.name, columns[index]!.type, field.nullable, metadata(field)))
  const schema = new Schema(plainFields, batch.schema.metadata)
  // A batch's column, or a vector built in one piece: one Data each.
  const children = columns.map((column) => column.data[0]! as Data)
  return new RecordBatch(schema, makeData({ type: new Struct(plainFields), length: batch.numRows, nullCount: 0, children }))
}

/** The type with every dictionary replaced by its value type, at any depth. */
export function plainType(type: DataType): DataType {
  if (type instanceof Dictionary) return plainType(type.dictionary as DataType)
  const child = (field: Field) => new Field(field.name, plainType(field.type as DataType), field.nullable, field.metadata)
  if (type instanceof List) return new List(child(type.children[0]!))
  if (type instanceof LargeList) return new LargeList(child(type.children[0]!))
  if (type instanceof FixedSizeList) return new FixedSizeList(type.listSize, child(type.children[0]!))
  if (type instanceof Struct) return new Struct(type.children.map(child))
  if (type instanceof Map_) {
    const entries = type.children[0]!
    const [key, value] = (entries.type as Struct).children
    return new Map_(new Field(entries.name, new Struct<{ key: DataType; value: DataType }>([child(key!), child(value!)]), entries.nullable, entries.metadata), type.keysSorted)
  }
  return type
}

/** A value as plain JavaScript (vectors as arrays, struct rows as objects), as vectorFromArray takes it. */
function plainValue(value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (value instanceof Vector) return Array.from(value, plainValue)
  if (value instanceof Map) return new Map(Array.from(value.entries(), ([key, item]) => [plainValue(key), plainValue(item)]))
  if (typeof value === 'object' && !(value instanceof Uint8Array) && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    const object = (value as { toJSON(): Record<string, unknown> }).toJSON()
    return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, plainValue(item)]))
  }
  return value
}
