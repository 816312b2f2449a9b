/** Sizes and durations as operators write them: `128MiB`, `1GB`, `90s`, `5m`, `1h`, Go's `1m30s`. */
import { InvalidOptionsError } from './usage-errors.js'

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

/** Go's duration units (the exporter's configuration syntax), and `d` for days. */
const DURATION_UNITS_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Parses a byte size; `option` names the flag in the error. */
export function parseSize(text: string, option: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const factor = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined
  if (!match || factor === undefined) throw new InvalidOptionsError(option, `expected a size such as 512MiB, 1GB or 1048576, got ${JSON.stringify(text)}`)
  return Math.round(Number(match[1]) * factor)
}

/**
 * Parses a duration into milliseconds: `90s`, `5m`, `1h`, `2d`, Go's `1m30s` or `1h15m0.5s`, and a
 * bare number as seconds.
 */
export function parseDuration(text: string, option: string): number {
  const trimmed = text.trim()
  const fail = () => new InvalidOptionsError(option, `expected a duration such as 90s, 5m, 1h or 1m30s, got ${JSON.stringify(text)}`)
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  if (!/^(?:\d+(?:\.\d+)?\s*(?:ns|us|µs|μs|ms|s|m|h|d)\s*)+$/i.test(trimmed)) throw fail()
  let total = 0
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)\s*(ns|us|µs|μs|ms|s|m|h|d)/gi)) total += Number(amount) * DURATION_UNITS_MS[unit!.toLowerCase()]!
  return Math.round(total)
}
