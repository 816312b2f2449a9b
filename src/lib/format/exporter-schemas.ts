/**
 * The exporter's seven table schemas, as data (EXPORTER.md, from its internal/arrow/schema.go):
 * every column flat, timestamps `timestamp[us, tz=UTC]` and not null, strings plain Utf8. Each
 * table is a fixed run of columns, then one nullable string `attr_*` column per promoted attribute
 * (configuration decides which), then three JSON columns. The exporter joins drained batches by
 * column position and reads timestamps as microseconds, so data of another shape breaks it.
 * Types are spelled as fieldList and schema summaries spell them (`[name:type, ...]`).
 */

/** Column types the exporter writes, spelled as apache-arrow prints them. */
export const EXPORTER_TYPES = {
  string: 'Utf8',
  int32: 'Int32',
  int64: 'Int64',
  float64: 'Float64',
  bool: 'Bool',
  timestamp: 'Timestamp<MICROSECOND, UTC>',
} as const

export type ExporterType = keyof typeof EXPORTER_TYPES

export interface ColumnSpec {
  readonly name: string
  readonly type: ExporterType
  readonly nullable: boolean
}

/** A column of a schema as found: its name, its type's spelling, and nullability. */
export interface FoundColumn {
  readonly name: string
  readonly type: string
  readonly nullable: boolean
}

export type ExporterTable =
  'otel_traces' | 'otel_logs' | 'otel_metrics_gauge' | 'otel_metrics_sum' | 'otel_metrics_histogram' | 'otel_metrics_exp_histogram' | 'otel_metrics_summary'

const col = (name: string, type: ExporterType, nullable = false): ColumnSpec => ({ name, type, nullable })
const str = (name: string): ColumnSpec => col(name, 'string', true)

/** Every table starts with the resource and scope block. */
const BLOCK = [
  str('resource_schema_url'),
  col('resource_dropped_attributes_count', 'int32'),
  str('scope_name'),
  str('scope_version'),
  col('scope_dropped_attributes_count', 'int32'),
]
/** Every table ends with these, after the promoted `attr_*` run. */
export const JSON_COLUMNS: readonly ColumnSpec[] = [str('resource_attributes'), str('scope_attributes'), str('attributes_remaining')]
const METRIC = [...BLOCK, col('metric_name', 'string'), str('metric_description'), str('metric_unit'), col('time_unix_nano', 'timestamp'), col('start_time_unix_nano', 'timestamp')]
const VALUE = [col('value_double', 'float64', true), col('value_int', 'int64', true), col('flags', 'int32')]
const SUMS = [col('count', 'int64'), col('sum', 'float64', true), col('min', 'float64', true), col('max', 'float64', true)]

/** The fixed columns of each table, before its promoted attributes. */
export const FIXED_COLUMNS: Readonly<Record<ExporterTable, readonly ColumnSpec[]>> = {
  otel_traces: [
    ...BLOCK,
    col('trace_id', 'string'),
    col('span_id', 'string'),
    str('trace_state'),
    str('parent_span_id'),
    col('flags', 'int32'),
    col('name', 'string'),
    col('kind', 'int32'),
    col('start_time_unix_nano', 'timestamp'),
    col('end_time_unix_nano', 'timestamp'),
    col('duration_nano', 'int64'),
    col('status_code', 'int32'),
    str('status_message'),
    col('dropped_attributes_count', 'int32'),
    col('dropped_events_count', 'int32'),
    col('dropped_links_count', 'int32'),
    str('events'),
    str('links'),
  ],
  otel_logs: [
    ...BLOCK,
    col('time_unix_nano', 'timestamp'),
    col('observed_time_unix_nano', 'timestamp'),
    str('trace_id'),
    str('span_id'),
    col('flags', 'int32'),
    col('severity_number', 'int32'),
    str('severity_text'),
    str('body'),
    col('dropped_attributes_count', 'int32'),
  ],
  otel_metrics_gauge: [...METRIC, ...VALUE, str('exemplars')],
  otel_metrics_sum: [...METRIC, ...VALUE, col('is_monotonic', 'bool'), col('aggregation_temporality', 'int32'), str('exemplars')],
  otel_metrics_histogram: [...METRIC, ...SUMS, str('bucket_counts'), str('explicit_bounds'), col('flags', 'int32'), col('aggregation_temporality', 'int32'), str('exemplars')],
  otel_metrics_exp_histogram: [
    ...METRIC,
    ...SUMS,
    col('scale', 'int32'),
    col('zero_count', 'int64'),
    col('zero_threshold', 'float64'),
    col('positive_offset', 'int32'),
    str('positive_bucket_counts'),
    col('negative_offset', 'int32'),
    str('negative_bucket_counts'),
    col('flags', 'int32'),
    col('aggregation_temporality', 'int32'),
    str('exemplars'),
  ],
  otel_metrics_summary: [...METRIC, col('count', 'int64'), col('sum', 'float64'), str('quantile_values'), col('flags', 'int32')],
}

export const EXPORTER_TABLES = Object.keys(FIXED_COLUMNS) as readonly ExporterTable[]

const METRICS_PROMOTED = ['service.name', 'host.name']

/** The attributes the exporter promotes to columns unless its configuration names others. */
export const DEFAULT_PROMOTED: Readonly<Record<ExporterTable, readonly string[]>> = {
  otel_traces: ['service.name', 'http.method', 'http.status_code', 'http.url', 'http.route', 'db.system', 'rpc.method', 'rpc.service'],
  otel_logs: ['service.name', 'log.file.path', 'exception.type', 'exception.message'],
  otel_metrics_gauge: METRICS_PROMOTED,
  otel_metrics_sum: METRICS_PROMOTED,
  otel_metrics_histogram: METRICS_PROMOTED,
  otel_metrics_exp_histogram: METRICS_PROMOTED,
  otel_metrics_summary: METRICS_PROMOTED,
}

export function isExporterTable(table: string): table is ExporterTable {
  return Object.hasOwn(FIXED_COLUMNS, table)
}

/** `service.name` → `attr_service_name`: the column of a promoted attribute (dots become `_`). */
export function promotedColumn(attribute: string): string {
  return `attr_${attribute.replaceAll('.', '_')}`
}

/** Every column of a table with the given promoted attributes (the defaults unless given). */
export function exporterColumns(table: ExporterTable, promoted: readonly string[] = DEFAULT_PROMOTED[table]): ColumnSpec[] {
  return [...FIXED_COLUMNS[table], ...promoted.map((attribute) => str(promotedColumn(attribute))), ...JSON_COLUMNS]
}

/** The column the exporter partitions a table by: `start_time_unix_nano` for traces, `time_unix_nano` for the rest. */
export function exporterPartitionColumn(table: string): string {
  return table === 'otel_traces' ? 'start_time_unix_nano' : 'time_unix_nano'
}

/** Where a schema first departs from the exporter's shape of its table. */
export interface ShapeDifference {
  /** Position of the first column that differs. */
  readonly index: number
  /** What the exporter writes there, spelled `name:type` (or a description of the run). */
  readonly expected: string
  /** What the schema has there, or `(nothing)`. */
  readonly found: string
}

/**
 * Checks columns against the exporter's shape of `table`: the fixed columns in order with their
 * exact types and nullability, any run of nullable-string `attr_*` columns, then the three JSON
 * columns last. Returns the first difference, or undefined when the shape is the exporter's.
 */
export function exporterShapeDifference(table: ExporterTable, columns: readonly FoundColumn[]): ShapeDifference | undefined {
  const fixed = FIXED_COLUMNS[table]
  for (const [index, spec] of fixed.entries()) {
    if (!sameColumn(columns[index], spec)) return { index, expected: spell(spec), found: spellFound(columns[index]) }
  }
  let index = fixed.length
  while (columns[index]?.name.startsWith('attr_')) {
    const column = columns[index]!
    const promoted = str(column.name)
    if (!sameColumn(column, promoted)) return { index, expected: spell(promoted), found: spellFound(column) }
    index++
  }
  for (const spec of JSON_COLUMNS) {
    if (!sameColumn(columns[index], spec)) {
      const expected = spec === JSON_COLUMNS[0] ? `an attr_* column (nullable Utf8) or ${spell(spec)}` : spell(spec)
      return { index, expected, found: spellFound(columns[index]) }
    }
    index++
  }
  if (index < columns.length) return { index, expected: '(no more columns)', found: spellFound(columns[index]) }
  return undefined
}

function sameColumn(found: FoundColumn | undefined, spec: ColumnSpec): boolean {
  return found !== undefined && found.name === spec.name && found.type === EXPORTER_TYPES[spec.type] && found.nullable === spec.nullable
}

function spell(spec: ColumnSpec): string {
  return `${spec.name}:${EXPORTER_TYPES[spec.type]}${spec.nullable ? '' : ' not null'}`
}

function spellFound(column: FoundColumn | undefined): string {
  return column ? `${column.name}:${column.type}${column.nullable ? '' : ' not null'}` : '(nothing)'
}
