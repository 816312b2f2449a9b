/**
 * What an `--out` value names: a local directory, or an S3 bucket and key prefix. Anything that
 * looks like another URL (`gs://…`, `https://…`, `s3:relative`) is refused rather than taken for a
 * directory of that odd name.
 */
import { InvalidOptionsError } from '../usage-errors.js'

export type OutputRoot = { readonly kind: 'local'; readonly path: string } | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string; readonly url: string }

/** A URL scheme at the start: letters, then `:` (a local path never needs one). */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/
/** S3's bucket naming rules: 3–63 lower-case letters, digits, dots and hyphens, starting and ending alphanumeric. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

export function parseOutputRoot(value: string): OutputRoot {
  if (value.trim() === '') throw new InvalidOptionsError('--out', 'the output root is empty; name a directory or s3://bucket/prefix')
  if (!SCHEME.test(value)) return { kind: 'local', path: value }
  if (!value.startsWith('s3://')) {
    const scheme = value.slice(0, value.indexOf(':') + 1)
    throw new InvalidOptionsError(
      '--out',
      `${value}: ${value.startsWith(`${scheme}//`) ? `${scheme}// outputs are not supported` : `${scheme} is not a URL bufctl writes to`}; give a local directory or s3://bucket/prefix (a directory whose name has a colon: ./${value})`,
    )
  }
  const rest = value.slice('s3://'.length)
  const slash = rest.indexOf('/')
  const bucket = slash < 0 ? rest : rest.slice(0, slash)
  if (bucket === '') throw new InvalidOptionsError('--out', `${value} names no bucket; write s3://bucket/prefix`)
  if (!BUCKET.test(bucket) || bucket.includes('..')) throw new InvalidOptionsError('--out', `${value}: "${bucket}" is not a valid S3 bucket name`)
  const parts = (slash < 0 ? '' : rest.slice(slash + 1)).split('/').filter((part) => part !== '')
  if (parts.some((part) => part === '.' || part === '..')) throw new InvalidOptionsError('--out', `${value}: the prefix may not contain . or .. parts`)
  const prefix = parts.join('/')
  return { kind: 's3', bucket, prefix, url: `s3://${bucket}${prefix ? `/${prefix}` : ''}` }
}
