/**
 * The Iceberg table a table directory's drain goes into: reached through its catalog, created as
 * the exporter creates it when it does not exist yet (the first file's schema with fresh field ids,
 * format version 2, partitioned by the time column with the transform of --granularity), and
 * bound to the drain's schemas: every column gets the table's field id, or the table is refused.
 */
import type { Schema } from 'apache-arrow'
import type { IcebergSettings } from '../options/iceberg-settings.js'
import type { Granularity } from '../sink/partitioning.js'
import { currentSchema, defaultSpec, tableName, type Catalog, type LoadedTable, type TableIdentifier } from './catalog.js'
import { FileCatalog } from './file-catalog.js'
import { granularityOf, newPartitionSpec } from './partition-spec.js'
import { RestCatalog } from './rest-catalog.js'
import { catalogUrl } from './catalog-url.js'
import { bindColumns, fieldIdsOf, freshSchema, type FieldIds } from './schema.js'

/** The catalog `settings` name: a REST catalog (http, https) or a warehouse directory (file:///dir, or a path). */
export async function openCatalog(settings: IcebergSettings): Promise<Catalog> {
  const url = catalogUrl(settings.catalog)
  if (/^https?:\/\//i.test(url)) return RestCatalog.connect(settings)
  return new FileCatalog(url)
}

export interface BoundTable {
  readonly identifier: TableIdentifier
  /** `ns.table`. */
  readonly name: string
  readonly loaded: LoadedTable
  /** Whether this run created it (or would, in a dry run: then `loaded` is what it would create). */
  readonly created: boolean
  /** The table's field ids by column path, for the Parquet schema. */
  readonly fieldIds: FieldIds
  /** How the table is partitioned, in bufctl's terms. */
  readonly granularity: Granularity
}

export interface BindOptions {
  readonly namespace: readonly string[]
  /** The granularity of a table bufctl creates. */
  readonly granularity: Granularity
  /** The time column a table bufctl creates is partitioned by (and an existing one must be). */
  readonly partitionColumn: string
  /** Create a missing table; false (a dry run): only say it would be. */
  readonly create: boolean
}

/** Loads (or creates) the table `name` and binds `schemas` (the drain's, at least one) to it; TableSchemaError when one does not fit. */
export async function bindTable(catalog: Catalog, name: string, schemas: readonly Schema[], options: BindOptions): Promise<BoundTable> {
  const identifier = { namespace: options.namespace, name }
  const label = tableName(identifier)
  let loaded = await catalog.loadTable(identifier)
  let created = false
  if (!loaded) {
    const schema = freshSchema(schemas[0]!, label)
    const spec = newPartitionSpec(schema, options.partitionColumn, options.granularity, label)
    const request = { schema, spec, properties: { 'format-version': '2' } }
    loaded = options.create ? await catalog.createTable(identifier, request) : wouldCreate(request)
    created = true
  }
  const schema = currentSchema(loaded.metadata)
  for (const arrow of schemas) bindColumns(schema, arrow, label)
  const granularity = granularityOf(defaultSpec(loaded.metadata), schema, options.partitionColumn, label)
  return { identifier, name: label, loaded, created, fieldIds: fieldIdsOf(schema), granularity }
}

/** The table a dry run would create: its schema and spec, no location yet. */
function wouldCreate(request: { schema: LoadedTable['metadata']['schemas'][number]; spec: LoadedTable['metadata']['partition-specs'][number] }): LoadedTable {
  return {
    metadata: {
      'format-version': 2,
      'table-uuid': '',
      location: '',
      'current-schema-id': request.schema['schema-id'],
      schemas: [request.schema],
      'default-spec-id': request.spec['spec-id'],
      'partition-specs': [request.spec],
    },
  }
}
