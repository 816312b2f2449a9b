/**
 * Time partitioning of output files, as the exporter lays them out in object storage:
 * `year=YYYY/month=MM/day=DD/hour=HH`, cut at the chosen granularity, from the table's timestamp
 * column. Batches are split into runs of consecutive rows of one partition, so time-ordered data
 * (the usual case) is sliced, never copied row by row.
 */
import { DataType, Type, TimeUnit, type Data } from 'apache-arrow'
import type { BatchColumns } from '../format/batch-columns.js'
import { InvalidOptionsError } from '../usage-errors.js'
import { exporterPartitionColumn } from '../format/exporter-schemas.js'

import type { Granularity } from '../options/output-options.js'
import { isValidRow } from '../format/validity.js'

export { GRANULARITIES, type Granularity } from '../options/output-options.js'

/** Hive's name for a partition whose value is null. */
export const NULL_PARTITION = '__HIVE_DEFAULT_PARTITION__'

/** The column a table is partitioned by unless --partition-by names another: the exporter's rule, for any table. */
export function defaultPartitionColumn(table: string): string {
  return exporterPartitionColumn(table)
}

/** A run of rows [start, end) of one batch that fall in one partition. */
export interface PartitionRun {
  /** Relative directory, e.g. `year=2026/month=11/day=24/hour=07`; '' without partitioning. */
  readonly partition: string
  readonly start: number
  readonly end: number
}

const MS_PER_HOUR = 3_600_000

/**
 * Splits a batch into partition runs. Throws InvalidOptionsError when the column is missing or is
 * not a timestamp, date or 64-bit integer (read as nanoseconds since the epoch).
 */
export function partitionRuns(batch: BatchColumns, column: string, granularity: Granularity, table: string): PartitionRun[] {
  if (granularity === 'none' || batch.numRows === 0) return [{ partition: '', start: 0, end: batch.numRows }]
  const index = batch.schema.fields.findIndex((field) => field.name === column)
  if (index < 0) {
    throw new InvalidOptionsError(
      '--partition-by',
      `table ${table} has no column ${column} to partition by (columns: ${batch.schema.fields.map((f) => f.name).join(', ')}); name a timestamp column with --partition-by, or use --granularity none`,
    )
  }
  const data = batch.column(index)
  const toMillis = millisecondReader(data.type, column, table)
  const runs: { partition: string; start: number; end: number }[] = []
  let previous: number | undefined = undefined
  for (let row = 0; row < data.length; row++) {
    const millis = isValidRow(data, row) ? toMillis(data, row) : undefined
    // NaN stands for null; a key is only computed when the hour changes, once per run for ordered data.
    const hour = millis === undefined ? Number.NaN : Math.floor(millis / MS_PER_HOUR)
    if (row > 0 && Object.is(hour, previous)) continue
    previous = hour
    const partition = millis === undefined ? NULL_PARTITION_PATH[granularity] : partitionPath(millis, granularity)
    const last = runs.at(-1)
    if (last?.partition === partition) continue
    if (last) last.end = row
    runs.push({ partition, start: row, end: batch.numRows })
  }
  return runs
}

/** `year=YYYY/month=MM/day=DD/hour=HH`, cut at the granularity. */
export function partitionPath(millis: number, granularity: Granularity): string {
  if (granularity === 'none') return ''
  const date = new Date(millis)
  const parts = [`year=${year(date.getUTCFullYear())}`, `month=${pad(date.getUTCMonth() + 1)}`]
  if (granularity !== 'month') parts.push(`day=${pad(date.getUTCDate())}`)
  if (granularity === 'hour') parts.push(`hour=${pad(date.getUTCHours())}`)
  return parts.join('/')
}

const NULL_PARTITION_PATH: Record<Granularity, string> = {
  none: '',
  month: [`year=${NULL_PARTITION}`, `month=${NULL_PARTITION}`].join('/'),
  day: [`year=${NULL_PARTITION}`, `month=${NULL_PARTITION}`, `day=${NULL_PARTITION}`].join('/'),
  hour: [`year=${NULL_PARTITION}`, `month=${NULL_PARTITION}`, `day=${NULL_PARTITION}`, `hour=${NULL_PARTITION}`].join('/'),
}

function pad(value: number): string {
  return String(value).padStart(2, '0')
}

/** Four digits, as the exporter's `%04d` writes it (`0970`, and `-001` before year 0). */
function year(value: number): string {
  return value < 0 ? `-${String(-value).padStart(3, '0')}` : String(value).padStart(4, '0')
}

type MillisReader = (data: Data, index: number) => number

/** Reads a row's value as milliseconds since the epoch, from the raw storage of the column. */
function millisecondReader(type: DataType, column: string, table: string): MillisReader {
  // Floor division: a time before 1970 belongs to the hour that starts before it, not after.
  const big =
    (divisor: bigint): MillisReader =>
    (data, i) => {
      const value = (data.values as BigInt64Array)[data.offset + i]!
      const quotient = value / divisor
      return Number(value % divisor < 0n ? quotient - 1n : quotient)
    }
  switch (type.typeId) {
    case Type.Timestamp: {
      const unit = (type as unknown as { unit: TimeUnit }).unit
      if (unit === TimeUnit.SECOND) return (data, i) => Number((data.values as BigInt64Array)[data.offset + i]!) * 1000
      if (unit === TimeUnit.MILLISECOND) return big(1n)
      if (unit === TimeUnit.MICROSECOND) return big(1_000n)
      return big(1_000_000n)
    }
    case Type.Int:
      if ((type as unknown as { bitWidth: number }).bitWidth === 64) return big(1_000_000n)
      break
    case Type.Date:
      if ((type as unknown as { unit: number }).unit === 0) return (data, i) => (data.values as Int32Array)[data.offset + i]! * 86_400_000
      return big(1n)
  }
  throw new InvalidOptionsError(
    '--partition-by',
    `column ${column} of table ${table} is ${Type[type.typeId]}, not a timestamp; choose another with --partition-by, or use --granularity none`,
  )
}
