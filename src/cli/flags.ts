/** Flags shared by several commands, defined once. */
import { Flags } from '@oclif/core'
import { COMPRESSIONS, GRANULARITIES, type Compression, type Granularity } from '../lib/output-options.js'

export const rootFlag = Flags.string({
  char: 'p',
  summary: 'Root of the spill directory (one sub-directory per table).',
  env: 'BUFCTL_PATH',
})

export const maxColumnsFlag = Flags.integer({
  summary: 'Columns a schema may have (at any depth) before bufctl refuses its data as unsupported.',
  default: 10_000,
  min: 1,
})

export const quietFlag = Flags.boolean({ char: 'q', summary: 'Print nothing but errors; no progress bar.', default: false })

export const tableFlag = Flags.string({ char: 't', summary: 'Only this table (repeatable); all tables by default.', multiple: true })

export const outFlag = Flags.string({ char: 'o', summary: 'Root of the Parquet output tree: <out>/<table>/data/year=…/…/<name>.parquet.' })

export const parquetFlags = {
  compression: Flags.string({ summary: 'Parquet compression codec.', options: [...COMPRESSIONS], default: 'zstd' }),
  granularity: Flags.string({ summary: 'Time partitioning of the output.', options: [...GRANULARITIES], default: 'hour' }),
  'partition-by': Flags.string({ summary: 'Timestamp column to partition by (default: start_time_unix_nano for otel_traces, time_unix_nano for other otel_* tables).' }),
}

/** The library options behind parquetFlags (oclif has already checked the values against their options). */
export function parquetOptions(flags: { compression: string; granularity: string; 'partition-by'?: string }) {
  return { compression: flags.compression as Compression, granularity: flags.granularity as Granularity, partitionBy: flags['partition-by'] }
}
