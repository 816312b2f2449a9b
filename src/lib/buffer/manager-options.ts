/** The Manager's options, documented with their defaults and checked once, at construction. */
import type { RecordBatch } from 'apache-arrow'
import { type FlushFailedError } from '../errors.js'
import { InvalidOptionsError } from '../usage-errors.js'
import type { FileDrain } from './record-store.js'

export type StorageType = 'memory' | 'disk'

/** Writes one table's drained batches and returns the Parquet bytes written (for calibration). */
export type FlushFunc = (table: string, batches: readonly RecordBatch[], rows: number) => Promise<number>

/**
 * Writes one table's drained files (disk storage) and commits them itself; returns the Parquet
 * bytes written. `directory` is the table directory, whose lock the Manager holds.
 */
export type FileFlushFunc = (table: string, drain: FileDrain, directory: string) => Promise<number>

export interface StorageOptions {
  /** @default 'memory' */
  readonly type?: StorageType
  /** Root of the spill directory; required for disk storage. */
  readonly path?: string
  /** fsync spilled data (disk storage). @default false */
  readonly fsync?: boolean
  /** Runs under each table directory's lock before its recovery (disk storage). */
  readonly onLocked?: (directory: string) => Promise<void>
}

export interface ManagerOptions {
  /** Where flushed batches go. Give this or `flushFiles`. */
  readonly flush?: FlushFunc
  /** Where flushed files go (disk storage), without reading them into memory. Give this or `flush`. */
  readonly flushFiles?: FileFlushFunc
  /**
   * Cap on one buffer's estimated size: an add to a buffer at or above it flushes first, and is
   * rejected if that flush fails. 0 disables the cap.
   * @default 0
   */
  readonly maxSizeBytes?: number
  /** Period of the time-triggered flush started by start(); 0 disables it. @default 60000 */
  readonly flushIntervalMs?: number
  /** @default { type: 'memory' } */
  readonly storage?: StorageOptions
  /** Told about failures of time-triggered flushes (they have no caller to reject). */
  readonly onFlushError?: (error: FlushFailedError) => void
}

export interface CheckedManagerOptions {
  readonly flush: { readonly batches: FlushFunc } | { readonly files: FileFlushFunc }
  readonly maxSizeBytes: number
  readonly flushIntervalMs: number
  readonly storage: { readonly type: StorageType; readonly fsync: boolean; readonly path?: string; readonly onLocked?: (directory: string) => Promise<void> }
  readonly onFlushError?: (error: FlushFailedError) => void
}

const DEFAULT_FLUSH_INTERVAL_MS = 60_000
const STORAGE_TYPES: readonly string[] = ['memory', 'disk']

/** Validates the options up front: "expected … , got …" names the option. */
export function checkManagerOptions(given: ManagerOptions | undefined): CheckedManagerOptions {
  const options: ManagerOptions = given ?? {}
  const type = options.storage?.type ?? 'memory'
  if (!STORAGE_TYPES.includes(type)) throw new InvalidOptionsError('storage.type', `expected "memory" or "disk", got ${JSON.stringify(type)}`)
  const path = options.storage?.path
  if (type === 'disk' && !path) throw new InvalidOptionsError('storage.path', 'disk storage needs the root directory of the spill directory')
  let flush: CheckedManagerOptions['flush']
  if (typeof options.flushFiles === 'function') {
    if (type !== 'disk') throw new InvalidOptionsError('flushFiles', 'only disk storage has files to flush; give flush instead')
    flush = { files: options.flushFiles }
  } else if (typeof options.flush === 'function') {
    flush = { batches: options.flush }
  } else {
    throw new InvalidOptionsError('flush', `expected a function, got ${typeof options.flush}`)
  }
  return {
    flush,
    maxSizeBytes: nonNegative('maxSizeBytes', options.maxSizeBytes, 0),
    flushIntervalMs: nonNegative('flushIntervalMs', options.flushIntervalMs, DEFAULT_FLUSH_INTERVAL_MS),
    storage: { type, fsync: options.storage?.fsync ?? false, path, onLocked: options.storage?.onLocked },
    onFlushError: options.onFlushError,
  }
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionsError(name, `expected a non-negative number, got ${String(value)}`)
  }
  return value
}
