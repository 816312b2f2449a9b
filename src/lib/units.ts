/** Sizes and durations as operators write them: `128MiB`, `1GB`, `90s`, `5m`, `1h`. */
import { InvalidOptionsError } from './errors.js'

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  ki: 2 ** 10,
  kib: 2 ** 10,
  mi: 2 ** 20,
  mib: 2 ** 20,
  gi: 2 ** 30,
  gib: 2 ** 30,
  ti: 2 ** 40,
  tib: 2 ** 40,
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Parses a byte size; `option` names the flag in the error. */
export function parseSize(text: string, option: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const factor = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined
  if (!match || factor === undefined) throw new InvalidOptionsError(option, `expected a size such as 512MiB, 1GB or 1048576, got ${JSON.stringify(text)}`)
  return Math.round(Number(match[1]) * factor)
}

/** Parses a duration into milliseconds; a bare number is seconds. */
export function parseDuration(text: string, option: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|)\s*$/i.exec(text)
  const factor = match ? DURATION_UNITS_MS[match[2]!.toLowerCase()] : undefined
  if (!match || factor === undefined) throw new InvalidOptionsError(option, `expected a duration such as 90s, 5m or 1h, got ${JSON.stringify(text)}`)
  return Math.round(Number(match[1]) * factor)
}
