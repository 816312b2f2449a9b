/** How bufctl talks to S3, in a module light enough for the command line's start-up (the SDK loads only when used). */
export type ServerSideEncryption = 'AES256' | 'aws:kms'
export const SERVER_SIDE_ENCRYPTIONS: readonly ServerSideEncryption[] = ['AES256', 'aws:kms']

export interface S3Settings {
  /** A custom endpoint (MinIO, Ceph, R2…). @default AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else AWS's own */
  readonly endpointUrl?: string
  /** Path-style addressing (`endpoint/bucket/key`). @default on for a custom endpoint, off for AWS */
  readonly pathStyle?: boolean
  /** How long the store may take to answer before bufctl gives up, in milliseconds. @default 30000 */
  readonly timeoutMs?: number
  readonly sse?: ServerSideEncryption
  /** The KMS key for `sse: 'aws:kms'` (default: the bucket's AWS-managed key). */
  readonly kmsKeyId?: string
  /** STANDARD, STANDARD_IA, INTELLIGENT_TIERING, … @default the bucket's default */
  readonly storageClass?: string
  /** Where the endpoint variables are read from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>
}

export const DEFAULT_S3_TIMEOUT_MS = 30_000
