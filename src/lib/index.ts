/** bufctl as a library: buffers, stores and the spill-directory format, and what each command does (status, flush and recover, ingest). */
export * from './errors.js'
export * from './usage-errors.js'
export * from './store-errors.js'
export { Manager, SignalBuffer, DEFAULT_BYTES_PER_ROW, MemoryStore, DiskStore, DirectoryLock, withDirectoryLock } from './buffer/index.js'
export type {
  BufferMetrics,
  DiskStoreOptions,
  Drain,
  FileDrain,
  FileFlushFunc,
  FileFlushOp,
  FlushFunc,
  FlushOp,
  ManagerOptions,
  PendingFile,
  RecordStore,
  StorageOptions,
  StorageType,
  StoreMetrics,
  TableFlushResult,
} from './buffer/index.js'
export { scanStream, scanFile, bytesSource, fileSource, detectFormat, droppedBytes, END_OF_STREAM, LOCK_FILE } from './format/index.js'
export type { ByteSource, MessageFrame, MessageKind, StreamDamage, StreamScan, IpcFormat } from './format/index.js'
export { tableDirectoryName, ACTIVE_FILE, pendingFileName, pendingSequence, sortedPendingFiles } from './format/index.js'
export { status, renderPrometheus, writeStatusFile } from './inspect/index.js'
export { dumpFiles, dumpRows } from './dump/index.js'
export type { DumpEvent, DumpOptions, DumpSummary, DumpValue } from './dump/index.js'
export { listQuarantine, restoreFromQuarantine, purgeQuarantine } from './quarantine/index.js'
export type { QuarantinedFile, RestoredFile, RestoreOptions, PurgeOptions, PurgeResult } from './quarantine/index.js'
export type { BlockingFile, ExporterShape, FileDamage, StatusOptions, StatusReport, StatusThresholds, TableStatus, ThresholdBreach, UnreadableTable } from './inspect/index.js'
export { replay } from './replay/index.js'
export type { QuarantineNote, ReplayMode, ReplayOptions, ReplayReport, SalvageNote, TableReplayReport } from './replay/index.js'
export { ingest } from './ingest/index.js'
export type { IngestedInput, IngestOptions, IngestReport } from './ingest/index.js'
