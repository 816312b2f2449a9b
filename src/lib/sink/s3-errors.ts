/**
 * What the SDK's failures mean for an operator, as bufctl's typed errors: the store not answering
 * (try again later), no or wrong credentials and missing permissions (fix the configuration),
 * a bucket that does not exist. Anything else is passed on as it is.
 */
import { StoreAccessError, StoreUnreachableError } from '../store-errors.js'
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

type SdkError = Error & { code?: string | number; $metadata?: { httpStatusCode?: number }; cause?: unknown }

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
    return new OutputRootError(
      call.url,
      `the bucket ${call.bucket} does not exist at ${call.endpoint}`,
      `create the bucket ${call.bucket}, or check the bucket in --out and the endpoint (--endpoint-url, AWS_ENDPOINT_URL_S3)`,
    )
  if (sdk.name === 'TimeoutError' || sdk.name === 'AbortError' || sdk.name === 'RequestTimeout' || (typeof code === 'number' && /abort/i.test(sdk.message))) {
    return new StoreUnreachableError(call.endpoint, `no answer to ${call.action} within the time allowed (--s3-timeout)`, error)
  }
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return new StoreUnreachableError(call.endpoint, `${code} (${firstLine(sdk.message)})`, error)
  const status = sdk.$metadata?.httpStatusCode
  // An answer, but not one S3 gives (a web server's error page, a proxy): the store's fault, never bufctl's.
  const s3Answer = sdk.message !== 'UnknownError' && S3_ERROR_NAME.test(sdk.name)
  // A store that keeps failing (after the SDK's retries) is to be tried again later, as one that does not answer.
  if (status !== undefined && (status >= 500 || status === 429)) {
    const answered = s3Answer
      ? `the store answered ${call.action} with HTTP ${status} ${sdk.name} (${firstLine(sdk.message)})`
      : `the endpoint answered ${call.action} with HTTP ${status} and no S3 error`
    return new StoreUnreachableError(call.endpoint, `${answered}, also after retries`, error)
  }
  if (status !== undefined && !s3Answer) {
    const answered = `the endpoint answered ${call.action} with HTTP ${status} and no S3 error`
    return new StoreAccessError(
      call.url,
      `${answered}: is ${call.endpoint} an S3 API endpoint?`,
      'check --endpoint-url (or AWS_ENDPOINT_URL_S3): it must be the address of the S3 API itself (MinIO: its API port, not its console), and --s3-path-style for stores that need it',
      error,
    )
  }
  return error
}

/** The names S3 gives its errors (NoSuchKey, SlowDown, InternalError, …), as the SDK passes them on. */
const S3_ERROR_NAME = /^[A-Z][A-Za-z]+$/

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim()
}
