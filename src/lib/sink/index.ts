/**
 * sink — where Parquet goes: the output layout (table, hive partitions, file names), time
 * partitioning, and the sinks that make each output durable (a local directory, an S3 bucket).
 * Imports: the ground and format/.
 */
export { writeOutput, type OutputSink, type OutputWriter, type WrittenOutput } from './output-sink.js'
export { LocalSink } from './local-sink.js'
export { OutputLayout, type LaidOutFile, type OutputLayoutOptions } from './output-layout.js'
export { defaultPartitionColumn, GRANULARITIES, NULL_PARTITION, partitionPath, partitionRuns, type Granularity, type PartitionRun } from './partitioning.js'
export { S3Sink, type S3Location } from './s3-sink.js'
export { OutputSinks, type SinkSettings } from './open-sink.js'
export { parseOutputRoot, type OutputRoot } from './output-root.js'
