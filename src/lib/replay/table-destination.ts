/**
 * Where one table directory's drain goes in a run: the run's output root (`<root>/<table>/data/…`),
 * or — given an Iceberg catalog — the table of that name in the run's namespace, loaded or created
 * and bound to the schemas of the files about to be drained before any file is touched, so a table
 * that cannot take them is refused with nothing changed.
 */
import type { Schema } from 'apache-arrow'
import { decodeSchema, fieldList } from '../format/batch-codec.js'
import { readSchemaMessage, type StreamFileInspection } from '../format/table-scan.js'
import type { RunCatalogs } from '../iceberg/index.js'
import { DEFAULT_ICEBERG_NAMESPACE } from '../options/iceberg-settings.js'
import type { OutputSinks } from '../sink/open-sink.js'
import type { OutputSink } from '../sink/output-sink.js'
import { defaultPartitionColumn, type Granularity } from '../sink/partitioning.js'
import { directoryDestination, IcebergDestination, type Destination } from './destination.js'

export interface TableDestinationOptions {
  /** The run's output root (absent when the run commits to an Iceberg table). */
  readonly sink?: OutputSink
  readonly sinks: OutputSinks
  readonly catalogs?: RunCatalogs
  readonly granularity?: Granularity
  readonly partitionBy?: string
  /** A dry run: a missing table is not created, only reported. */
  readonly dryRun?: boolean
}

/** What a run did (or would do) with a table's Iceberg table. */
export interface IcebergNote {
  /** `ns.table`. */
  readonly table: string
  readonly action: 'create' | 'append'
  /** Its location (absent when a dry run would create it: the catalog chooses). */
  readonly location?: string
  /** The snapshots this run committed, one per part. */
  readonly snapshots: string[]
}

/** The destination of `table`'s drain of `files`, and what it says about an Iceberg table. */
export async function tableDestination(
  table: string,
  directory: string,
  files: readonly StreamFileInspection[],
  options: TableDestinationOptions,
): Promise<{ readonly destination: Destination; readonly iceberg?: IcebergNote }> {
  const settings = options.catalogs?.settings
  if (!settings) {
    if (!options.sink) throw new Error('a run without an output root or an Iceberg catalog')
    return { destination: directoryDestination(options.sink, table) }
  }
  const schemas = await drainSchemas(files)
  // Nothing with a schema to drain (so no row): no table is made for it, and nothing is written.
  if (schemas.length === 0) return { destination: directoryDestination(options.sinks.open(directory), table) }
  const catalog = await options.catalogs.open()
  const { bindTable } = await import('../iceberg/index.js')
  const bound = await bindTable(catalog, table, schemas, {
    namespace: (settings.namespace ?? DEFAULT_ICEBERG_NAMESPACE).split('.'),
    granularity: options.granularity ?? 'hour',
    partitionColumn: options.partitionBy ?? defaultPartitionColumn(table),
    create: !options.dryRun,
  })
  const location = bound.loaded.metadata.location || undefined
  const iceberg: IcebergNote = { table: bound.name, action: bound.created ? 'create' : 'append', location, snapshots: [] }
  // A dry run that would create the table has no location to write to: it only plans.
  const destination: Destination = location
    ? IcebergDestination.ofTable(catalog, bound, options.sinks)
    : { ...directoryDestination(options.sinks.open(directory), table), dataDirectory: 'data', granularity: bound.granularity }
  return { destination, iceberg }
}

/** The distinct schemas of the files (those that have one). */
async function drainSchemas(files: readonly StreamFileInspection[]): Promise<Schema[]> {
  const schemas = new Map<string, Schema>()
  for (const file of files) {
    const message = await readSchemaMessage(file)
    const schema = message && decodeSchema(message)
    if (schema && !schemas.has(fieldList(schema))) schemas.set(fieldList(schema), schema)
  }
  return [...schemas.values()]
}
