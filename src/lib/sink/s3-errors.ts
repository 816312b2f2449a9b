/**
 * What the SDK's failures mean for an operator, as bufctl's typed errors: the store not answering
 * (try again later), no or wrong credentials and missing permissions (fix the configuration),
 * a bucket that does not exist. Anything else is passed on as it is.
 */
import { StoreAccessError, StoreUnreachableError } from '../errors.js'
import { OutputRootError } from '../usage-errors.js'

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'])
const DENIED = new Set(['AccessDenied', 'Forbidden', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'AllAccessDisabled'])

export interface StoreCall {
  /** The URL the call was about (`s3://bucket/key`). */
  readonly url: string
  readonly bucket: string
  readonly endpoint: string
  /** The IAM action the call needs, e.g. `s3:PutObject`. */
  readonly action: string
}

type SdkError = Error & { code?: string; $metadata?: { httpStatusCode?: number }; cause?: unknown }

export function storeError(error: unknown, call: StoreCall): Error {
  if (!(error instanceof Error)) return new Error(String(error))
  const sdk = error as SdkError
  const code = sdk.code ?? (sdk.cause as SdkError | undefined)?.code
  if (sdk.name === 'CredentialsProviderError' || /could not load credentials/i.test(sdk.message)) {
    return new StoreAccessError(
      call.url,
      `no AWS credentials were found (${firstLine(sdk.message)})`,
      'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a profile with AWS_PROFILE, or run where a role is attached',
      error,
    )
  }
  if (DENIED.has(sdk.name) || sdk.$metadata?.httpStatusCode === 403) {
    return new StoreAccessError(
      call.url,
      `${sdk.name === 'Error' || sdk.name === 'S3ServiceException' ? 'access denied' : sdk.name}: the store refused ${call.action} in bucket ${call.bucket} to these credentials`,
      `check the credentials, and grant ${call.action} on arn:aws:s3:::${call.bucket} (the README's "Into S3" lists every action bufctl needs)`,
      error,
    )
  }
  if (sdk.name === 'NoSuchBucket' || (sdk.name === 'NotFound' && call.action === 's3:ListBucket'))
    return new OutputRootError(call.url, `the bucket ${call.bucket} does not exist at ${call.endpoint}`)
  if ((code && NETWORK_CODES.has(code)) || sdk.name === 'TimeoutError' || sdk.name === 'AbortError' || sdk.name === 'RequestTimeout') {
    return new StoreUnreachableError(call.endpoint, code ? `${code} (${firstLine(sdk.message)})` : firstLine(sdk.message) || sdk.name, error)
  }
  return error
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim()
}
