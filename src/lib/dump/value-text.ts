/**
 * How cat renders one value: strings from their bytes with invalid UTF-8 shown as `\xNN`,
 * timestamps in RFC 3339 UTC at their unit's precision, 64-bit integers exact, nested values as
 * JSON would hold them.
 */
import { DataType, TimeUnit, Type, Vector, type Data } from 'apache-arrow'
import { isValidRow } from '../format/validity.js'

/** A value as cat shows it: JSON's kinds, plus bigint for 64-bit integers. */
export type DumpValue = string | number | bigint | boolean | null | DumpValue[] | { [key: string]: DumpValue }

/** A column's values; strings are decoded from their bytes so that invalid UTF-8 is shown, not hidden. */
export function columnValues(chunks: readonly Data[], type: DataType): { values: DumpValue[]; invalid: number } {
  const values: DumpValue[] = []
  let invalid = 0
  for (const data of chunks) {
    let view: Vector | undefined
    const vector = () => (view ??= new Vector([data]))
    for (let i = 0; i < data.length; i++) {
      if (!isValidRow(data, i)) {
        values.push(null)
        continue
      }
      if (type.typeId === Type.Utf8 || type.typeId === Type.LargeUtf8) {
        const offsets = data.valueOffsets as Int32Array | BigInt64Array
        const start = Number(offsets[data.offset + i]!)
        const end = Number(offsets[data.offset + i + 1]!)
        const text = utf8Escaped((data.values as Uint8Array).subarray(start, end))
        if (text.invalid) invalid++
        values.push(text.text)
        continue
      }
      values.push(plain(valueAt(data, i, type, vector), type))
    }
  }
  return { values, invalid }
}

function valueAt(data: Data, index: number, type: DataType, vector: () => Vector): unknown {
  if (type.typeId === Type.Timestamp) return timestamp((data.values as BigInt64Array)[data.offset + index]!, (type as unknown as { unit: TimeUnit }).unit)
  // Everything else through apache-arrow's own getters (dictionaries decoded, nested values built).
  return vector().get(index)
}

/** RFC 3339 in UTC, with as many fraction digits as the unit has (microseconds for the exporter). */
export function timestamp(value: bigint, unit: TimeUnit): string {
  const perSecond = unit === TimeUnit.SECOND ? 1n : unit === TimeUnit.MILLISECOND ? 1_000n : unit === TimeUnit.MICROSECOND ? 1_000_000n : 1_000_000_000n
  const digits = perSecond.toString().length - 1
  let seconds = value / perSecond
  let fraction = value % perSecond
  if (fraction < 0n) {
    fraction += perSecond
    seconds -= 1n
  }
  const iso = new Date(Number(seconds) * 1000).toISOString().slice(0, 19)
  return digits === 0 ? `${iso}Z` : `${iso}.${fraction.toString().padStart(digits, '0')}Z`
}

/** Any other value as JSON would hold it: nested lists and structs recursively, bytes as hex, NaN as a string. */
function plain(value: unknown, type: DataType): DumpValue {
  if (value === null || value === undefined) return null
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value)
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
  if (value instanceof Date) return type.typeId === Type.Date ? value.toISOString().slice(0, 10) : value.toISOString()
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number | bigint>, (item) => plain(item, type))
  const json = (value as { toJSON?: () => unknown }).toJSON?.()
  if (Array.isArray(json)) return json.map((item) => plain(item, type))
  if (json && typeof json === 'object') return Object.fromEntries(Object.entries(json).map(([key, item]) => [key, plain(item, type)]))
  if (json !== undefined && json !== value) return plain(json, type)
  return JSON.stringify(value)
}

const strict = new TextDecoder('utf-8', { fatal: true })

/** Text of UTF-8 bytes; each byte that is not part of a valid sequence becomes `\xNN`. */
export function utf8Escaped(bytes: Uint8Array): { text: string; invalid: boolean } {
  try {
    return { text: strict.decode(bytes), invalid: false }
  } catch {
    let text = ''
    let i = 0
    while (i < bytes.length) {
      const length = sequenceLength(bytes, i)
      if (length === 0) {
        text += `\\x${bytes[i]!.toString(16).padStart(2, '0')}`
        i++
      } else {
        text += strict.decode(bytes.subarray(i, i + length))
        i += length
      }
    }
    return { text, invalid: true }
  }
}

/** The length of the valid UTF-8 sequence at `i`, or 0 when there is none. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const first = bytes[i]!
  const continuation = (at: number, low = 0x80, high = 0xbf) => at < bytes.length && bytes[at]! >= low && bytes[at]! <= high
  if (first < 0x80) return 1
  if (first >= 0xc2 && first <= 0xdf) return continuation(i + 1) ? 2 : 0
  if (first >= 0xe0 && first <= 0xef) {
    const low = first === 0xe0 ? 0xa0 : 0x80
    const high = first === 0xed ? 0x9f : 0xbf
    return continuation(i + 1, low, high) && continuation(i + 2) ? 3 : 0
  }
  if (first >= 0xf0 && first <= 0xf4) {
    const low = first === 0xf0 ? 0x90 : 0x80
    const high = first === 0xf4 ? 0x8f : 0xbf
    return continuation(i + 1, low, high) && continuation(i + 2) && continuation(i + 3) ? 4 : 0
  }
  return 0
}
