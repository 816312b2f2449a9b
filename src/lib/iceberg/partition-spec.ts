/**
 * The table's partition spec and each data file's partition tuple. A table bufctl creates is
 * partitioned as the exporter partitions its tables: the time column with the hour, day or month
 * transform of --granularity, partition field id 1000, named `<column>_<granularity>` (none: not
 * partitioned). A table that exists decides instead: bufctl lays its outputs out by its spec's
 * transform, and refuses a spec it cannot compute (another column, another transform, several fields).
 */
import { TableSchemaError } from '../store-errors.js'
import { NULL_PARTITION, type Granularity } from '../sink/partitioning.js'
import { topField, type IcebergSchema } from './schema.js'

export interface PartitionField {
  readonly 'source-id': number
  readonly 'field-id': number
  readonly name: string
  readonly transform: string
}

export interface PartitionSpec {
  readonly 'spec-id': number
  readonly fields: readonly PartitionField[]
}

/** The first partition field's id, as the reference implementation and iceberg-go assign it. */
export const FIRST_PARTITION_FIELD_ID = 1000

/** The spec of a table bufctl creates. */
export function newPartitionSpec(schema: IcebergSchema, column: string, granularity: Granularity, table: string): PartitionSpec {
  if (granularity === 'none') return { 'spec-id': 0, fields: [] }
  const source = topField(schema, column)
  if (!source) throw new TableSchemaError(table, `no column ${column} to partition by`)
  return { 'spec-id': 0, fields: [{ 'source-id': source.id, 'field-id': FIRST_PARTITION_FIELD_ID, name: `${column}_${granularity}`, transform: granularity }] }
}

/** The granularity bufctl lays outputs out by for a table's spec, or why it cannot compute the spec. */
export function granularityOf(spec: PartitionSpec, schema: IcebergSchema, column: string, table: string): Granularity {
  if (spec.fields.length === 0) return 'none'
  const refuse = (reason: string) => new TableSchemaError(table, `its partition spec ${JSON.stringify(spec.fields)} ${reason}`)
  if (spec.fields.length > 1) throw refuse('has several fields: bufctl partitions by one time column')
  const [field] = spec.fields
  const source = schema.fields.find((candidate) => candidate.id === field!['source-id'])
  if (source?.name !== column) throw refuse(`partitions by ${source?.name ?? `field ${field!['source-id']}`}, bufctl by ${column} (--partition-by)`)
  if (field!.transform !== 'hour' && field!.transform !== 'day' && field!.transform !== 'month')
    throw refuse(`uses the ${field!.transform} transform: bufctl computes hour, day and month`)
  return field!.transform
}

const MS_PER_HOUR = 3_600_000
const MS_PER_DAY = 86_400_000

/**
 * The partition value of a data file from the directory bufctl laid it out in
 * (`year=YYYY/month=MM/day=DD/hour=HH`, cut at the granularity): hours, days or months since
 * 1970-01-01 UTC; null for the null partition; undefined for an unpartitioned table.
 */
export function partitionValue(partition: string, transform: string): number | null | undefined {
  if (transform === 'none' || partition === '') return undefined
  if (partition.includes(NULL_PARTITION)) return null
  const parts = Object.fromEntries(partition.split('/').map((part) => part.split('=') as [string, string]))
  const year = Number(parts.year)
  const month = Number(parts.month ?? 1)
  if (transform === 'month') return (year - 1970) * 12 + (month - 1)
  const millis = Date.UTC(year, month - 1, Number(parts.day ?? 1), Number(parts.hour ?? 0))
  return transform === 'day' ? Math.floor(millis / MS_PER_DAY) : Math.floor(millis / MS_PER_HOUR)
}
