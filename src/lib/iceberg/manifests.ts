/**
 * Iceberg v2 manifests and manifest lists, as the spec lays them out: Avro with every field's
 * `field-id`, the names the spec gives (which iceberg-go reads by), and the file metadata readers
 * require — a manifest's `schema`, `schema-id`, `partition-spec`, `partition-spec-id`,
 * `format-version` and `content`; a manifest list's `snapshot-id`, `parent-snapshot-id`,
 * `sequence-number` and `format-version`. Manifests of earlier snapshots are carried into a new
 * manifest list from whatever their writer named their fields, by field id.
 */
import { writeAvroFile, type AvroRecordSchema } from './avro-file.js'
import type { DataFileStats } from './data-file-stats.js'
import type { PartitionSpec } from './partition-spec.js'
import { stringifyCatalogJson } from './json.js'
import type { IcebergSchema } from './schema.js'

const nullable = (type: unknown) => ['null', type]
const map = (name: string, keyId: number, valueId: number, value: string) => ({
  type: 'array',
  logicalType: 'map',
  items: {
    type: 'record',
    name,
    fields: [
      { name: 'key', type: 'int', 'field-id': keyId },
      { name: 'value', type: value, 'field-id': valueId },
    ],
  },
})

/** One data file of a drain, as its manifest entry describes it. */
export interface DataFileEntry {
  readonly path: string
  readonly bytes: number
  readonly rows: number
  /** The partition tuple's value (hours, days or months since the epoch); undefined when the table is not partitioned. */
  readonly partition: number | null | undefined
  readonly stats: DataFileStats
}

function manifestEntrySchema(spec: PartitionSpec): object {
  const partition = {
    type: 'record',
    name: 'r102',
    fields: spec.fields.map((field) => ({ name: field.name, type: nullable('int'), default: null, 'field-id': field['field-id'] })),
  }
  return {
    type: 'record',
    name: 'manifest_entry',
    fields: [
      { name: 'status', type: 'int', 'field-id': 0 },
      { name: 'snapshot_id', type: nullable('long'), default: null, 'field-id': 1 },
      { name: 'sequence_number', type: nullable('long'), default: null, 'field-id': 3 },
      { name: 'file_sequence_number', type: nullable('long'), default: null, 'field-id': 4 },
      {
        name: 'data_file',
        'field-id': 2,
        type: {
          type: 'record',
          name: 'r2',
          fields: [
            { name: 'content', type: 'int', 'field-id': 134 },
            { name: 'file_path', type: 'string', 'field-id': 100 },
            { name: 'file_format', type: 'string', 'field-id': 101 },
            { name: 'partition', type: partition, 'field-id': 102 },
            { name: 'record_count', type: 'long', 'field-id': 103 },
            { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
            { name: 'column_sizes', type: nullable(map('k117_v118', 117, 118, 'long')), default: null, 'field-id': 108 },
            { name: 'value_counts', type: nullable(map('k119_v120', 119, 120, 'long')), default: null, 'field-id': 109 },
            { name: 'null_value_counts', type: nullable(map('k121_v122', 121, 122, 'long')), default: null, 'field-id': 110 },
            { name: 'nan_value_counts', type: nullable(map('k138_v139', 138, 139, 'long')), default: null, 'field-id': 137 },
            { name: 'lower_bounds', type: nullable(map('k126_v127', 126, 127, 'bytes')), default: null, 'field-id': 125 },
            { name: 'upper_bounds', type: nullable(map('k129_v130', 129, 130, 'bytes')), default: null, 'field-id': 128 },
            { name: 'key_metadata', type: nullable('bytes'), default: null, 'field-id': 131 },
            { name: 'split_offsets', type: nullable({ type: 'array', items: 'long', 'element-id': 133 }), default: null, 'field-id': 132 },
            { name: 'sort_order_id', type: nullable('int'), default: null, 'field-id': 140 },
          ],
        },
      },
    ],
  }
}

const MANIFEST_LIST_SCHEMA: AvroRecordSchema = {
  type: 'record',
  name: 'manifest_file',
  fields: [
    { name: 'manifest_path', type: 'string', 'field-id': 500 },
    { name: 'manifest_length', type: 'long', 'field-id': 501 },
    { name: 'partition_spec_id', type: 'int', 'field-id': 502 },
    { name: 'content', type: 'int', 'field-id': 517 },
    { name: 'sequence_number', type: 'long', 'field-id': 515 },
    { name: 'min_sequence_number', type: 'long', 'field-id': 516 },
    { name: 'added_snapshot_id', type: 'long', 'field-id': 503 },
    { name: 'added_files_count', type: 'int', 'field-id': 504 },
    { name: 'existing_files_count', type: 'int', 'field-id': 505 },
    { name: 'deleted_files_count', type: 'int', 'field-id': 506 },
    { name: 'added_rows_count', type: 'long', 'field-id': 512 },
    { name: 'existing_rows_count', type: 'long', 'field-id': 513 },
    { name: 'deleted_rows_count', type: 'long', 'field-id': 514 },
    {
      name: 'partitions',
      type: nullable({
        type: 'array',
        'element-id': 508,
        items: {
          type: 'record',
          name: 'r508',
          fields: [
            { name: 'contains_null', type: 'boolean', 'field-id': 509 },
            { name: 'contains_nan', type: nullable('boolean'), default: null, 'field-id': 518 },
            { name: 'lower_bound', type: nullable('bytes'), default: null, 'field-id': 510 },
            { name: 'upper_bound', type: nullable('bytes'), default: null, 'field-id': 511 },
          ],
        },
      }),
      default: null,
      'field-id': 507,
    },
    { name: 'key_metadata', type: nullable('bytes'), default: null, 'field-id': 519 },
  ],
}

/** An entry of a manifest list (field names as the spec gives them). */
export interface ManifestListEntry {
  readonly manifest_path: string
  readonly manifest_length: bigint
  readonly partition_spec_id: number
  readonly content: number
  readonly sequence_number: bigint
  readonly min_sequence_number: bigint
  readonly added_snapshot_id: bigint
  readonly added_files_count: number
  readonly existing_files_count: number
  readonly deleted_files_count: number
  readonly added_rows_count: bigint
  readonly existing_rows_count: bigint
  readonly deleted_rows_count: bigint
  readonly partitions: readonly PartitionSummary[] | null
  readonly key_metadata: Buffer | null
}

interface PartitionSummary {
  readonly contains_null: boolean
  readonly contains_nan: boolean | null
  readonly lower_bound: Buffer | null
  readonly upper_bound: Buffer | null
}

/** The manifest of a drain's data files, added by `snapshotId` (sequence numbers inherited, as new entries' are). */
export function manifestFile(files: readonly DataFileEntry[], snapshotId: bigint, schema: IcebergSchema, spec: PartitionSpec): Uint8Array {
  const field = spec.fields[0]
  const entries = files.map((file) => ({
    status: 1,
    snapshot_id: snapshotId,
    sequence_number: null,
    file_sequence_number: null,
    data_file: {
      content: 0,
      file_path: file.path,
      file_format: 'PARQUET',
      partition: field ? { [field.name]: file.partition ?? null } : {},
      record_count: BigInt(file.rows),
      file_size_in_bytes: BigInt(file.bytes),
      column_sizes: pairs(file.stats.columnSizes),
      value_counts: pairs(file.stats.valueCounts),
      null_value_counts: pairs(file.stats.nullValueCounts),
      nan_value_counts: null,
      lower_bounds: pairs(file.stats.lowerBounds),
      upper_bounds: pairs(file.stats.upperBounds),
      key_metadata: null,
      split_offsets: file.stats.splitOffsets.length > 0 ? file.stats.splitOffsets : null,
      sort_order_id: 0,
    },
  }))
  return writeAvroFile(manifestEntrySchema(spec), entries, {
    schema: stringifyCatalogJson(schema),
    'schema-id': String(schema['schema-id']),
    'partition-spec': JSON.stringify(spec.fields),
    'partition-spec-id': String(spec['spec-id']),
    'format-version': '2',
    content: 'data',
  })
}

function pairs<V>(values: ReadonlyMap<number, V> | undefined): { key: number; value: V }[] | null {
  return values && values.size > 0 ? [...values].map(([key, value]) => ({ key, value })) : null
}

/** The manifest list entry of a new manifest of `files` (its sequence number is the snapshot's). */
export function newManifestEntry(
  path: string,
  length: number,
  files: readonly DataFileEntry[],
  snapshotId: bigint,
  sequenceNumber: bigint,
  spec: PartitionSpec,
): ManifestListEntry {
  const values = files.map((file) => file.partition)
  const present = values.filter((value): value is number => typeof value === 'number')
  const bound = (value: number) => {
    const buffer = Buffer.alloc(4)
    buffer.writeInt32LE(value)
    return buffer
  }
  return {
    manifest_path: path,
    manifest_length: BigInt(length),
    partition_spec_id: spec['spec-id'],
    content: 0,
    sequence_number: sequenceNumber,
    min_sequence_number: sequenceNumber,
    added_snapshot_id: snapshotId,
    added_files_count: files.length,
    existing_files_count: 0,
    deleted_files_count: 0,
    added_rows_count: BigInt(files.reduce((sum, file) => sum + file.rows, 0)),
    existing_rows_count: 0n,
    deleted_rows_count: 0n,
    partitions:
      spec.fields.length === 0
        ? null
        : [
            {
              contains_null: values.some((value) => value === null),
              contains_nan: false,
              lower_bound: present.length ? bound(Math.min(...present)) : null,
              upper_bound: present.length ? bound(Math.max(...present)) : null,
            },
          ],
    key_metadata: null,
  }
}

/** A manifest list: the parent snapshot's manifests carried forward, then the new ones. */
export function manifestList(entries: readonly ManifestListEntry[], snapshotId: bigint, parentSnapshotId: bigint | undefined, sequenceNumber: bigint): Uint8Array {
  return writeAvroFile(MANIFEST_LIST_SCHEMA, entries, {
    'snapshot-id': String(snapshotId),
    'parent-snapshot-id': parentSnapshotId === undefined ? 'null' : String(parentSnapshotId),
    'sequence-number': String(sequenceNumber),
    'format-version': '2',
  })
}

/**
 * A manifest list entry of another writer, read by field id into the spec's names (Java names some
 * fields otherwise: `added_data_files_count`), with the defaults of fields older writers left out.
 */
export function carriedEntry(record: Readonly<Record<string, unknown>>, writer: AvroRecordSchema): ManifestListEntry {
  const byId = new Map(writer.fields.filter((field) => field['field-id'] !== undefined).map((field) => [field['field-id']!, record[field.name]]))
  const entry: Record<string, unknown> = {}
  for (const field of MANIFEST_LIST_SCHEMA.fields) {
    const value = byId.get(field['field-id']!)
    entry[field.name] = value ?? defaultOf(field.name)
  }
  return entry as unknown as ManifestListEntry
}

function defaultOf(name: string): unknown {
  if (name === 'partitions' || name === 'key_metadata') return null
  if (name === 'content' || name.endsWith('_files_count') || name === 'partition_spec_id') return 0
  return 0n
}
