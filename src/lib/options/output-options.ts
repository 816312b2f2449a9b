/** The choices of the Parquet output, in a module light enough for the command line's start-up. */
export type Compression = 'zstd' | 'snappy' | 'gzip' | 'lz4' | 'brotli' | 'none'
export const COMPRESSIONS: readonly Compression[] = ['zstd', 'snappy', 'gzip', 'lz4', 'brotli', 'none']

export type Granularity = 'hour' | 'day' | 'month' | 'none'
export const GRANULARITIES: readonly Granularity[] = ['hour', 'day', 'month', 'none']
