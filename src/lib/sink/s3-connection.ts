/**
 * The S3 client bufctl uses, built as the AWS CLI would: the SDK's standard credential chain
 * (environment, shared config and AWS_PROFILE, web identity, instance metadata) and region
 * resolution, a custom endpoint from the settings or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL with
 * path-style addressing, and timeouts. The SDK is imported here only, on first use, so commands
 * that write no S3 never load it.
 */
import type { S3Client } from '@aws-sdk/client-s3'
import { DEFAULT_S3_TIMEOUT_MS, type S3Settings } from '../options/s3-settings.js'

export type S3Sdk = typeof import('@aws-sdk/client-s3')

export interface S3Connection {
  readonly client: S3Client
  readonly sdk: S3Sdk
  /** The endpoint as messages name it. */
  readonly endpoint: string
  readonly timeoutMs: number
}

/** A region AWS always answers in; with region redirects followed, any bucket is reached from it. */
const FALLBACK_REGION = 'us-east-1'

export async function connect(settings: S3Settings): Promise<S3Connection> {
  const sdk = await import('@aws-sdk/client-s3')
  const env = settings.env ?? process.env
  const endpointUrl = settings.endpointUrl ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL
  const timeoutMs = settings.timeoutMs ?? DEFAULT_S3_TIMEOUT_MS
  const custom = endpointUrl !== undefined && endpointUrl !== ''
  const base = {
    ...(custom ? { endpoint: endpointUrl } : {}),
    forcePathStyle: settings.pathStyle ?? custom,
    followRegionRedirects: true,
    // Stores other than AWS often do not take the SDK's newer default checksums (aws-chunked trailers).
    ...(custom && !env.AWS_REQUEST_CHECKSUM_CALCULATION ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const } : {}),
    ...(custom && !env.AWS_RESPONSE_CHECKSUM_VALIDATION ? { responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs },
  }
  let client = new sdk.S3Client(base)
  try {
    await client.config.region()
  } catch {
    // No region configured: a custom endpoint rarely cares, and AWS redirects to the bucket's own.
    client.destroy()
    client = new sdk.S3Client({ ...base, region: FALLBACK_REGION })
  }
  return { client, sdk, endpoint: custom ? endpointUrl : `AWS S3 (${await client.config.region()})`, timeoutMs }
}
