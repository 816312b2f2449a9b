/** What a drain's commit is told: where it writes, how, and how it treats damage and --keep. */
import type { Compression } from '../options/output-options.js'
import type { ProgressListener } from './progress.js'
import type { Destination } from './destination.js'
import type { Granularity } from '../sink/partitioning.js'
import type { KeptCommit } from './kept-ledger.js'
import type { EncoderThreads } from '../parquet/encoder-threads.js'
import type { StreamScan } from '../format/ipc-framing.js'

export interface DrainCommitOptions {
  readonly table: string
  /** Where the outputs go and how they become visible there (a directory, a bucket, an Iceberg table). */
  readonly destination: Destination
  /** `strict` refuses damaged files (flush); `salvage` keeps their complete batches and quarantines the original (recover). */
  readonly damage: 'strict' | 'salvage'
  /** Write the outputs but leave the drained files in place, recorded in the kept ledger. @default false */
  readonly keep?: boolean
  /** Earlier kept commits that stay (a keeping run adds its own to them). */
  readonly alreadyKept?: readonly KeptCommit[]
  /** @default 'zstd' */
  readonly compression?: Compression
  /** @default 'hour' */
  readonly granularity?: Granularity
  readonly partitionBy?: string
  /** @default DEFAULT_TARGET_FILE_BYTES */
  readonly targetFileBytes?: number
  readonly concurrency?: number
  /** The run's encoder threads, kept from one commit to the next (without them, each commit starts its own). */
  readonly encoderThreads?: EncoderThreads
  readonly progress?: ProgressListener
  /** Stops at the next safe point: before the files are held, or by undoing the commit before it is durable. */
  readonly signal?: AbortSignal
  /** Columns a schema may have before its file is refused as unsupported. */
  readonly maxColumns?: number
  /**
   * How the run's inspection scanned the files, by name: the planner takes a file's scan from here
   * (when the file still has its size) instead of scanning it again.
   */
  readonly scans?: ReadonlyMap<string, StreamScan>
}
