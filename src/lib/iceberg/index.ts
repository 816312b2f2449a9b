/**
 * iceberg — the Iceberg table a drain is committed to: catalogs (a REST catalog, a warehouse
 * directory), the table's schema and partition spec bound to the drain's, the data files'
 * statistics, Avro manifests, and the exactly-once append of one drain as one snapshot.
 * Imports: the ground, format/, sink/ and options/.
 */
export { RunCatalogs } from './catalogs.js'
export { tableName, type Catalog, type LoadedTable, type TableIdentifier } from './catalog.js'
export { bindTable, openCatalog, type BindOptions, type BoundTable } from './table-binding.js'
export { appendDrain, attemptsSettled, committedSnapshot, removeAttempts, COMMIT_ID_KEY, type AppendAttempt, type AppendResult, type DrainAppend } from './drain-append.js'
export { dataFileStats, type DataFileStats } from './data-file-stats.js'
export { partitionValue } from './partition-spec.js'
export type { DataFileEntry } from './manifests.js'
