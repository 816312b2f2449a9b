/** bufctl as a library: buffers, stores and the spill-directory format. */
export * from './errors.js'
export * from './usage-errors.js'
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
