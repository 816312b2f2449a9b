/**
 * What bufctl needs of an Iceberg catalog — load a table, create it (and its namespace), commit
 * to it with the REST spec's requirements and updates — and the table metadata it reads. Two
 * catalogs: a REST catalog (rest-catalog), and a warehouse directory on one machine (file-catalog).
 */
import type { PartitionSpec } from './partition-spec.js'
import type { IcebergSchema } from './schema.js'

/** A 64-bit id as catalog JSON gives it: a number when it fits a double exactly, a BigInt otherwise (json.ts). */
export type LongId = bigint | number

export interface Snapshot {
  readonly 'snapshot-id': LongId
  readonly 'parent-snapshot-id'?: LongId | null
  readonly 'sequence-number': bigint | number
  readonly 'timestamp-ms': number
  readonly 'manifest-list': string
  readonly summary: Readonly<Record<string, string>>
  readonly 'schema-id'?: number
}

export interface SnapshotRef {
  readonly 'snapshot-id': LongId
  readonly type: string
}

export interface TableMetadata {
  readonly 'format-version': number
  readonly 'table-uuid': string
  readonly location: string
  readonly 'last-sequence-number'?: bigint | number
  readonly 'last-updated-ms'?: number
  readonly 'last-column-id'?: number
  readonly 'current-schema-id': number
  readonly schemas: readonly IcebergSchema[]
  readonly 'default-spec-id': number
  readonly 'partition-specs': readonly PartitionSpec[]
  readonly 'last-partition-id'?: number
  readonly properties?: Readonly<Record<string, string>>
  readonly 'current-snapshot-id'?: bigint | number | null
  readonly snapshots?: readonly Snapshot[]
  readonly refs?: Readonly<Record<string, SnapshotRef>>
  readonly [key: string]: unknown
}

export interface LoadedTable {
  readonly metadata: TableMetadata
  readonly metadataLocation?: string
}

/** A table's namespace (levels) and name. */
export interface TableIdentifier {
  readonly namespace: readonly string[]
  readonly name: string
}

export interface CreateTableRequest {
  readonly schema: IcebergSchema
  readonly spec: PartitionSpec
  readonly properties: Readonly<Record<string, string>>
}

/** A commit as the REST spec's CommitTableRequest has it. */
export interface TableCommit {
  readonly requirements: readonly Record<string, unknown>[]
  readonly updates: readonly Record<string, unknown>[]
  /** The same for every retry of one logical commit (sent as Idempotency-Key where the catalog takes it). */
  readonly idempotencyKey: string
}

/**
 * committed: the catalog took it; conflict: it refused it, the table having changed (nothing of it
 * applied); unknown: no answer that says (a 5xx, a reset, a timeout) — it may have been applied.
 */
export type CommitOutcome = { readonly kind: 'committed'; readonly table: LoadedTable } | { readonly kind: 'conflict' } | { readonly kind: 'unknown'; readonly reason: string }

export interface Catalog {
  /** The catalog as messages and the journal name it (no secret). */
  readonly label: string
  loadTable(table: TableIdentifier): Promise<LoadedTable | undefined>
  /** Creates the table (and its namespace when missing); one another writer created meanwhile is loaded instead. */
  createTable(table: TableIdentifier, request: CreateTableRequest): Promise<LoadedTable>
  commitTable(table: TableIdentifier, commit: TableCommit): Promise<CommitOutcome>
}

/** `ns.table` for messages. */
export function tableName(table: TableIdentifier): string {
  return [...table.namespace, table.name].join('.')
}

/** The snapshot the table's main branch is at, if any. */
export function mainSnapshot(metadata: TableMetadata): Snapshot | undefined {
  const id = metadata.refs?.main?.['snapshot-id'] ?? metadata['current-snapshot-id']
  if (id === undefined || id === null || BigInt(id) === -1n) return undefined
  return metadata.snapshots?.find((snapshot) => BigInt(snapshot['snapshot-id']) === BigInt(id))
}

/** The snapshots of the main branch, newest first (following parents). */
export function mainHistory(metadata: TableMetadata): Snapshot[] {
  const byId = new Map((metadata.snapshots ?? []).map((snapshot) => [BigInt(snapshot['snapshot-id']), snapshot]))
  const history: Snapshot[] = []
  for (let snapshot = mainSnapshot(metadata); snapshot;) {
    history.push(snapshot)
    const parent = snapshot['parent-snapshot-id']
    snapshot = parent === undefined || parent === null ? undefined : byId.get(BigInt(parent))
    if (history.length > byId.size) break
  }
  return history
}

/** The table's current schema and default partition spec. */
export function currentSchema(metadata: TableMetadata): IcebergSchema {
  const schema = metadata.schemas.find((candidate) => candidate['schema-id'] === metadata['current-schema-id'])
  if (!schema) throw new Error(`table metadata names schema ${metadata['current-schema-id']}, which it does not hold`)
  return schema
}

export function defaultSpec(metadata: TableMetadata): PartitionSpec {
  return metadata['partition-specs'].find((spec) => spec['spec-id'] === metadata['default-spec-id']) ?? { 'spec-id': 0, fields: [] }
}
