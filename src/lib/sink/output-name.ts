/**
 * The name of an output file: a UUID (the exporter names its objects `{uuid}.parquet`) derived
 * from who writes and what the file opens with — the identity of the table directory (host and
 * real path), the file's schema and partition, and its first piece: the identity of that piece's
 * source file (device, inode, size, modification time) and where the piece lies in it. A file is
 * so named the moment it opens, before its last piece is planned. No two files of a drain open
 * with the same piece; the same rows, laid out the same way, always get the same name, so a repeat
 * overwrites rather than adds; two directories or two hosts never share a name. The UUID is
 * version 8 (RFC 9562, "custom"), which also tells bufctl's outputs from anyone else's.
 */
import { createHash } from 'node:crypto'

/** What bufctl's output names look like: a version-8 UUID, then `.parquet`. */
export const OUTPUT_NAME_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.parquet$/

/** The file name for an output whose identity is made of `parts`. */
export function outputName(parts: readonly string[]): string {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(`${part.length}:${part}`)
  const bytes = hash.digest().subarray(0, 16)
  bytes[6] = (bytes[6]! & 0x0f) | 0x80 // version 8
  bytes[8] = (bytes[8]! & 0x3f) | 0x80 // RFC 9562 variant
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}.parquet`
}
