/** Flags shared by several commands, defined once. */
import { Flags } from '@oclif/core'
import { COMPRESSIONS, GRANULARITIES, SERVER_SIDE_ENCRYPTIONS, type Compression, type Granularity, type S3Settings, type ServerSideEncryption } from '../lib/options/index.js'
import { parseDuration } from '../lib/units.js'
import { InvalidOptionsError } from '../lib/usage-errors.js'

export const rootFlag = Flags.string({
  char: 'p',
  summary: 'Root of the spill directory (one sub-directory per table).',
  env: 'BUFCTL_PATH',
})

/** The spill root the command was given, or the usage error that says how to give it. */
export function requireRoot(path: string | undefined): string {
  if (!path) throw new InvalidOptionsError('--path', 'no spill root given', 'name the spill root with --path DIR or the BUFCTL_PATH environment variable')
  return path
}

export const maxColumnsFlag = Flags.integer({
  summary: 'Columns a schema may have (at any depth) before bufctl refuses its data as unsupported.',
  default: 10_000,
  min: 1,
})

export const quietFlag = Flags.boolean({ char: 'q', summary: 'Print nothing but errors; no progress bar.', default: false })

export const tableFlag = Flags.string({ char: 't', summary: 'Only this table (repeatable); all tables by default.', multiple: true, multipleNonGreedy: true })

export const outFlag = Flags.string({
  char: 'o',
  summary: 'Root of the Parquet output tree, a directory or s3://bucket/prefix: <out>/<table>/data/year=…/…/<uuid>.parquet.',
})

/** How to reach S3 for an s3:// --out (the credentials come from the standard AWS chain). */
export const s3Flags = {
  'endpoint-url': Flags.string({
    summary: 'S3-compatible endpoint (MinIO, Ceph, R2, …); default AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else AWS.',
    helpGroup: 'S3',
  }),
  's3-path-style': Flags.boolean({ summary: 'Path-style addressing (endpoint/bucket/key); default: on with a custom endpoint, off for AWS.', allowNo: true, helpGroup: 'S3' }),
  's3-timeout': Flags.string({ summary: 'How long the store may take to answer before bufctl gives up (exit 75).', default: '30s', helpGroup: 'S3' }),
  's3-sse': Flags.string({ summary: 'Server-side encryption of the objects.', options: [...SERVER_SIDE_ENCRYPTIONS], helpGroup: 'S3' }),
  's3-sse-kms-key-id': Flags.string({ summary: "KMS key for --s3-sse aws:kms (default: the bucket's AWS-managed key).", helpGroup: 'S3' }),
  's3-storage-class': Flags.string({ summary: 'Storage class of the objects (STANDARD, STANDARD_IA, INTELLIGENT_TIERING, …).', helpGroup: 'S3' }),
}

export interface S3Flags {
  'endpoint-url'?: string
  's3-path-style'?: boolean
  's3-timeout': string
  's3-sse'?: string
  's3-sse-kms-key-id'?: string
  's3-storage-class'?: string
}

/** The library's S3 settings behind s3Flags. */
export function s3Settings(flags: S3Flags): S3Settings {
  if (flags['s3-sse-kms-key-id'] && flags['s3-sse'] !== 'aws:kms') throw new InvalidOptionsError('--s3-sse-kms-key-id', 'a KMS key needs --s3-sse aws:kms')
  const timeoutMs = parseDuration(flags['s3-timeout'], '--s3-timeout')
  if (timeoutMs <= 0) throw new InvalidOptionsError('--s3-timeout', 'the timeout must be longer than zero')
  return {
    endpointUrl: flags['endpoint-url'],
    pathStyle: flags['s3-path-style'],
    timeoutMs,
    sse: flags['s3-sse'] as ServerSideEncryption | undefined,
    kmsKeyId: flags['s3-sse-kms-key-id'],
    storageClass: flags['s3-storage-class'],
  }
}

export const parquetFlags = {
  compression: Flags.string({ summary: 'Parquet compression codec.', options: [...COMPRESSIONS], default: 'zstd' }),
  granularity: Flags.string({ summary: 'Time partitioning of the output.', options: [...GRANULARITIES], default: 'hour' }),
  'partition-by': Flags.string({ summary: 'Timestamp column to partition by (default: start_time_unix_nano for otel_traces, time_unix_nano for other otel_* tables).' }),
}

/** The library options behind parquetFlags (oclif has already checked the values against their options). */
export function parquetOptions(flags: { compression: string; granularity: string; 'partition-by'?: string }) {
  return { compression: flags.compression as Compression, granularity: flags.granularity as Granularity, partitionBy: flags['partition-by'] }
}
