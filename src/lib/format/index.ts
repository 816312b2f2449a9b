/**
 * format — the exporter's on-disk format: Arrow IPC framing, batch codec and checks, reading a
 * stream batch by batch, schema summaries, and the names inside a table directory.
 * Imports: nothing of bufctl but the ground (errors, units, fs-util).
 */
export { bytesSource, fileSource, type ByteSource } from './byte-source.js'
export { detectFormat, droppedBytes, END_OF_STREAM, scanFile, scanStream } from './ipc-framing.js'
export type { IpcFormat, MessageFrame, MessageKind, StreamDamage, StreamScan } from './ipc-framing.js'
export { decodeSchema, encodeBatch, fieldList, sameSchema } from './batch-codec.js'
export { assertBatchIntegrity } from './batch-integrity.js'
export {
  BatchDecodeError,
  checkedBatches,
  checkedColumns,
  checkedFrames,
  fileRangeReader,
  salvageBatches,
  type ByteRange,
  type CheckedBatch,
  type CheckedColumns,
  type CheckedFrame,
  type SalvagedBatches,
} from './stream-batches.js'
export { summarizeSchemaMessage } from './schema-summary.js'
export {
  ACTIVE_FILE,
  BUFCTL_TEMPORARY_PATTERN,
  ingestTemporaryName,
  JOURNAL_FILE,
  LOCK_FILE,
  QUARANTINE_DIR,
  pendingFileName,
  pendingSequence,
  sortedPendingFiles,
  tableDirectoryName,
} from './table-directory.js'
export { inspectStreamFile, inspectTable, streamFiles, type StreamFileInspection, type TableInspection } from './table-scan.js'
export { openSpillRoot, selectTables, type IgnoredEntry, type SpillRoot } from './spill-root.js'
