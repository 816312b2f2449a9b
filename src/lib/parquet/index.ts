/**
 * parquet — Parquet encoding with parquet-wasm: writer settings, the encoder of one job (an
 * output file's pieces), and the pool that encodes jobs on every core.
 * Imports: the ground and format/ (byte ranges).
 */
export type { BatchPiece, EncodeJob, PieceSource } from './encode-job.js'
export { encodeParquet } from './encoder.js'
export { encodeJobs, type EncodeOptions, type ParquetWrite } from './encoder-pool.js'
export { COMPRESSIONS, type Compression } from './writer-settings.js'
