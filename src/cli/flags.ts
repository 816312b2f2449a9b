/** Flags shared by several commands, defined once. */
import { Flags } from '@oclif/core'
import {
  COMPRESSIONS,
  DEFAULT_ICEBERG_NAMESPACE,
  DEFAULT_ICEBERG_SCOPE,
  GRANULARITIES,
  SERVER_SIDE_ENCRYPTIONS,
  type Compression,
  type Granularity,
  type IcebergSettings,
  type S3Settings,
  type ServerSideEncryption,
} from '../lib/options/index.js'
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
  helpGroup: 'OUTPUT',
})

/** How to reach S3 for an s3:// --out or an Iceberg table's location on S3 (the credentials come from the standard AWS chain). */
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
  compression: Flags.string({ summary: 'Parquet compression codec.', options: [...COMPRESSIONS], default: 'zstd', helpGroup: 'OUTPUT' }),
  granularity: Flags.string({
    summary: "Time partitioning of the output (an existing Iceberg table's own partition spec decides for it).",
    options: [...GRANULARITIES],
    default: 'hour',
    helpGroup: 'OUTPUT',
  }),
  'partition-by': Flags.string({
    summary: 'Timestamp column to partition by (default: start_time_unix_nano for otel_traces, time_unix_nano for other otel_* tables).',
    helpGroup: 'OUTPUT',
  }),
}

/** The Iceberg table a drain is committed to, as pyiceberg and iceberg-go name the settings (secrets best given by environment). */
export const icebergFlags = {
  'iceberg-catalog': Flags.string({
    summary: "Commit each table's rows to the Iceberg table of its name: a REST catalog (http(s)://host:port[/path]) or a warehouse directory (file:///dir).",
    env: 'BUFCTL_ICEBERG_CATALOG',
    helpGroup: 'ICEBERG',
  }),
  'iceberg-namespace': Flags.string({
    summary: 'Namespace of the tables (levels joined by dots).',
    env: 'BUFCTL_ICEBERG_NAMESPACE',
    default: DEFAULT_ICEBERG_NAMESPACE,
    helpGroup: 'ICEBERG',
  }),
  'iceberg-warehouse': Flags.string({ summary: "Warehouse passed to the catalog's GET /v1/config.", env: 'BUFCTL_ICEBERG_WAREHOUSE', helpGroup: 'ICEBERG' }),
  'iceberg-token': Flags.string({
    summary: 'Bearer token for the catalog (prefer the environment variable: a flag shows in ps).',
    env: 'BUFCTL_ICEBERG_TOKEN',
    helpGroup: 'ICEBERG',
  }),
  'iceberg-credential': Flags.string({
    summary: 'OAuth2 client credentials, id:secret, exchanged for a token (again before it expires).',
    env: 'BUFCTL_ICEBERG_CREDENTIAL',
    helpGroup: 'ICEBERG',
  }),
  'iceberg-oauth2-server-uri': Flags.string({
    summary: "Where the credentials are exchanged (default: the catalog's /v1/oauth/tokens).",
    env: 'BUFCTL_ICEBERG_OAUTH2_SERVER_URI',
    helpGroup: 'ICEBERG',
  }),
  'iceberg-scope': Flags.string({ summary: 'OAuth2 scope asked for with the credentials.', env: 'BUFCTL_ICEBERG_SCOPE', default: DEFAULT_ICEBERG_SCOPE, helpGroup: 'ICEBERG' }),
  'iceberg-timeout': Flags.string({
    summary: 'How long the catalog may take to answer before bufctl gives up (exit 75).',
    env: 'BUFCTL_ICEBERG_TIMEOUT',
    default: '30s',
    helpGroup: 'ICEBERG',
  }),
}

export interface IcebergFlags {
  'iceberg-catalog'?: string
  'iceberg-namespace': string
  'iceberg-warehouse'?: string
  'iceberg-token'?: string
  'iceberg-credential'?: string
  'iceberg-oauth2-server-uri'?: string
  'iceberg-scope': string
  'iceberg-timeout': string
}

/** The library's Iceberg settings behind icebergFlags; undefined without a catalog. */
export function icebergSettings(flags: IcebergFlags): IcebergSettings | undefined {
  const catalog = flags['iceberg-catalog']
  if (!catalog) {
    const stray = (['iceberg-warehouse', 'iceberg-token', 'iceberg-credential', 'iceberg-oauth2-server-uri'] as const).find((name) => flags[name] !== undefined)
    if (stray) throw new InvalidOptionsError(`--${stray}`, 'it configures an Iceberg catalog, and none was named', 'name it with --iceberg-catalog URL (or BUFCTL_ICEBERG_CATALOG)')
    return undefined
  }
  if (flags['iceberg-token'] && flags['iceberg-credential']) throw new InvalidOptionsError('--iceberg-token', 'give a token or client credentials, not both')
  if (flags['iceberg-credential'] !== undefined && !flags['iceberg-credential'].includes(':')) {
    throw new InvalidOptionsError('--iceberg-credential', 'expected client-id:client-secret')
  }
  if (flags['iceberg-namespace'].split('.').some((level) => level === '')) throw new InvalidOptionsError('--iceberg-namespace', `${flags['iceberg-namespace']} has an empty level`)
  const timeoutMs = parseDuration(flags['iceberg-timeout'], '--iceberg-timeout')
  if (timeoutMs <= 0) throw new InvalidOptionsError('--iceberg-timeout', 'the timeout must be longer than zero')
  return {
    catalog,
    namespace: flags['iceberg-namespace'],
    warehouse: flags['iceberg-warehouse'],
    token: flags['iceberg-token'],
    credential: flags['iceberg-credential'],
    oauth2ServerUri: flags['iceberg-oauth2-server-uri'],
    scope: flags['iceberg-scope'],
    timeoutMs,
  }
}

/** The library options behind parquetFlags (oclif has already checked the values against their options). */
export function parquetOptions(flags: { compression: string; granularity: string; 'partition-by'?: string }) {
  return { compression: flags.compression as Compression, granularity: flags.granularity as Granularity, partitionBy: flags['partition-by'] }
}
