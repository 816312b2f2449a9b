/**
 * JSON as an Iceberg catalog writes it: snapshot ids are 64-bit and usually above 2^53, where
 * JSON.parse rounds them. Integers that a double cannot hold exactly are parsed as BigInt, and
 * BigInt is written back as the digits it holds (lossless-json, a maintained parser for this).
 */
import { isInteger, parse, stringify } from 'lossless-json'

/** Parses catalog JSON: every integer outside the safe range becomes a BigInt, every other number a number. */
export function parseCatalogJson(text: string): unknown {
  return parse(text, undefined, (value: string) => {
    if (isInteger(value)) {
      const big = BigInt(value)
      return big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER) ? big : Number(value)
    }
    return Number(value)
  })
}

/** JSON with BigInt values written as plain digits. */
export function stringifyCatalogJson(value: unknown, indent?: number): string {
  return stringify(value, undefined, indent, [{ test: (candidate: unknown) => typeof candidate === 'bigint', stringify: (candidate: unknown) => String(candidate) }]) ?? 'null'
}

/** A 64-bit id as a BigInt, from a number or a BigInt (or undefined). */
export function snapshotIdOf(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value)
  return undefined
}
