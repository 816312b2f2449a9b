/**
 * options — the choices a caller makes about the output, in modules light enough for the command
 * line's start-up: Parquet compression and time partitioning, how to reach S3, and the Iceberg
 * table a drain is committed to.
 * Imports: the ground only.
 */
export { COMPRESSIONS, GRANULARITIES, type Compression, type Granularity } from './output-options.js'
export { DEFAULT_S3_TIMEOUT_MS, SERVER_SIDE_ENCRYPTIONS, type S3Settings, type ServerSideEncryption } from './s3-settings.js'
export { DEFAULT_ICEBERG_NAMESPACE, DEFAULT_ICEBERG_SCOPE, type IcebergSettings } from './iceberg-settings.js'
