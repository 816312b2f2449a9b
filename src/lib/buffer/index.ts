/**
 * buffer — the seed's buffer API on the spill format: record stores (memory, disk), the
 * SignalBuffer of one table, the Manager of all tables, and the directory lock.
 * Imports: the ground and format/.
 */
export type { Drain, RecordStore, StoreMetrics } from './record-store.js'
export { MemoryStore } from './memory-store.js'
export { DiskStore, type DiskStoreOptions, type FileDrain, type PendingFile } from './disk-store.js'
export { SignalBuffer, DEFAULT_BYTES_PER_ROW, type BufferMetrics, type FileFlushOp, type FlushOp } from './signal-buffer.js'
export { Manager, type FileFlushFunc, type FlushFunc, type ManagerOptions, type StorageOptions, type StorageType, type TableFlushResult } from './manager.js'
export { DirectoryLock, lockState, withDirectoryLock, type LockState } from './directory-lock.js'
export { findFlockHolder } from './lock-holder.js'
