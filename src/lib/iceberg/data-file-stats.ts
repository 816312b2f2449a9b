/**
 * A data file's column statistics for its manifest entry, from the Parquet footer bufctl reads back
 * anyway: sizes, value and null counts per column, and lower and upper bounds serialized as the
 * Iceberg spec says (Appendix D: little-endian numbers, UTF-8 strings, raw bytes), so engines can
 * skip files a filter excludes. Bounds are given for top-level primitive columns whose footer
 * holds them; long strings are left without (bounds are optional, and a cut one must be exact).
 */
import type { OutputReader } from '../sink/output-sink.js'
import type { IcebergSchema, IcebergType } from './schema.js'

export interface DataFileStats {
  readonly columnSizes: ReadonlyMap<number, bigint>
  readonly valueCounts: ReadonlyMap<number, bigint>
  readonly nullValueCounts: ReadonlyMap<number, bigint>
  readonly lowerBounds: ReadonlyMap<number, Buffer>
  readonly upperBounds: ReadonlyMap<number, Buffer>
  /** Where each row group starts, ascending. */
  readonly splitOffsets: readonly bigint[]
}

/** A string bound longer than this is left out rather than cut. */
const MAX_STRING_BOUND = 64

/** Raw values from the footer: numbers as stored, strings as their bytes (hyparquet otherwise makes Dates and text). */
const RAW = {
  timestampFromMilliseconds: (value: bigint) => value,
  timestampFromMicroseconds: (value: bigint) => value,
  timestampFromNanoseconds: (value: bigint) => value,
  dateFromDays: (value: number) => value,
  stringFromBytes: (value: Uint8Array) => value,
}

/** The statistics of a data file written with the table's field ids (`schema`'s) in its Parquet schema. */
export async function dataFileStats(reader: OutputReader, schema: IcebergSchema): Promise<DataFileStats> {
  const { parquetMetadataAsync } = await import('hyparquet')
  const metadata = await parquetMetadataAsync(reader, { parsers: RAW })
  const leaves = leafFieldIds(metadata.schema)
  const sizes = new Map<number, bigint>()
  const values = new Map<number, bigint>()
  const nulls = new Map<number, bigint>()
  const lower = new Map<number, Buffer>()
  const upper = new Map<number, Buffer>()
  const types = new Map(schema.fields.map((field) => [field.id, field.type]))
  const add = (map: Map<number, bigint>, id: number, value: bigint | undefined) => {
    if (value !== undefined) map.set(id, (map.get(id) ?? 0n) + value)
  }
  const splitOffsets: bigint[] = []
  for (const group of metadata.row_groups) {
    const first = group.columns[0]?.meta_data
    if (first) splitOffsets.push(first.dictionary_page_offset ?? first.data_page_offset)
    for (const [index, column] of group.columns.entries()) {
      const meta = column.meta_data
      // The column chunks follow the schema's leaves, in order.
      const id = leaves[index]
      if (!meta || id === undefined) continue
      add(sizes, id, meta.total_compressed_size)
      add(values, id, meta.num_values)
      add(nulls, id, meta.statistics?.null_count)
      const type = types.get(id)
      if (type === undefined || meta.path_in_schema.length !== 1) continue
      const stats = meta.statistics
      const min = stats?.min_value ?? stats?.min
      const max = stats?.max_value ?? stats?.max
      const low = bound(type, min)
      const high = bound(type, max)
      if (low) lower.set(id, pick(lower.get(id), low, type, 'lower'))
      if (high) upper.set(id, pick(upper.get(id), high, type, 'upper'))
    }
  }
  return { columnSizes: sizes, valueCounts: values, nullValueCounts: nulls, lowerBounds: lower, upperBounds: upper, splitOffsets: splitOffsets.sort((a, b) => (a < b ? -1 : 1)) }
}

/** A statistic as Iceberg's single-value serialization, or undefined when it cannot be given exactly. */
function bound(type: IcebergType, value: unknown): Buffer | undefined {
  if (value === undefined || value === null || typeof type !== 'string') return undefined
  const fixed = (bytes: number, write: (buffer: Buffer) => void) => {
    const buffer = Buffer.alloc(bytes)
    write(buffer)
    return buffer
  }
  switch (type) {
    case 'boolean':
      return Buffer.of(value === true ? 1 : 0)
    case 'int':
    case 'date':
      return fixed(4, (buffer) => buffer.writeInt32LE(Number(value)))
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return fixed(8, (buffer) => buffer.writeBigInt64LE(BigInt(value as bigint | number)))
    case 'float':
      return fixed(4, (buffer) => buffer.writeFloatLE(Number(value)))
    case 'double':
      return fixed(8, (buffer) => buffer.writeDoubleLE(Number(value)))
    case 'string':
    case 'binary': {
      const bytes = value instanceof Uint8Array ? Buffer.from(value) : typeof value === 'string' ? Buffer.from(value) : undefined
      return bytes && bytes.byteLength <= MAX_STRING_BOUND ? bytes : undefined
    }
    default:
      return undefined
  }
}

/** The smaller (lower) or larger (upper) of two bounds of one column across row groups. */
function pick(previous: Buffer | undefined, next: Buffer, type: IcebergType, side: 'lower' | 'upper'): Buffer {
  if (!previous) return next
  const order = compare(previous, next, type)
  return (side === 'lower' ? order <= 0 : order >= 0) ? previous : next
}

function compare(a: Buffer, b: Buffer, type: IcebergType): number {
  switch (type) {
    case 'int':
    case 'date':
      return a.readInt32LE() - b.readInt32LE()
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz': {
      const x = a.readBigInt64LE()
      const y = b.readBigInt64LE()
      return x === y ? 0 : x < y ? -1 : 1
    }
    case 'float':
      return a.readFloatLE() - b.readFloatLE()
    case 'double':
      return a.readDoubleLE() - b.readDoubleLE()
    default:
      return Buffer.compare(a, b)
  }
}

/** The field id of each leaf of a Parquet schema (its column chunks' order), from the flattened schema elements. */
function leafFieldIds(elements: readonly { readonly num_children?: number; readonly field_id?: number }[]): (number | undefined)[] {
  const leaves: (number | undefined)[] = []
  // Depth-first: each group's children follow it; the root is the first element.
  const walk = (at: number): number => {
    const element = elements[at]!
    if (!element.num_children) {
      leaves.push(element.field_id)
      return at + 1
    }
    let next = at + 1
    for (let child = 0; child < element.num_children; child++) next = walk(next)
    return next
  }
  const root = elements[0]
  let next = 1
  for (let child = 0; child < (root?.num_children ?? 0); child++) next = walk(next)
  return leaves
}
