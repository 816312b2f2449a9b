import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseDuration, parseSize } from '../../src/lib/units.js'
import { InvalidOptionsError } from '../../src/lib/index.js'

test('durations: bare seconds, single units, days, and Go syntax as the exporter configures them', () => {
  const cases: [string, number][] = [
    ['90', 90_000],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['250ms', 250],
    ['1m30s', 90_000],
    ['1h15m', 4_500_000],
    ['1h0m0.5s', 3_600_500],
    ['1.5h', 5_400_000],
    ['1500us', 2],
    ['1500µs', 2],
    [' 10m ', 600_000],
  ]
  for (const [text, ms] of cases) assert.equal(parseDuration(text, '--max-age'), ms, text)
  for (const bad of ['', 'soon', '5 minutes', '1x', '-5m', 'm5', '1h-5m']) {
    assert.throws(
      () => parseDuration(bad, '--max-age'),
      (error: unknown) => error instanceof InvalidOptionsError && /--max-age/.test(error.message),
      bad,
    )
  }
})

test('sizes: SI and IEC units', () => {
  assert.equal(parseSize('128MiB', '--max-size'), 128 * 2 ** 20)
  assert.equal(parseSize('1GB', '--max-size'), 1e9)
  assert.equal(parseSize('1048576', '--max-size'), 1048576)
  assert.throws(() => parseSize('lots', '--max-size'), InvalidOptionsError)
})

test('counts are grouped as en-US groups them, without loading ICU data', async () => {
  const { formatCount } = await import('../../src/cli/style.js')
  for (const count of [0, 7, 999, 1000, 12_345, 1_000_000, -1_234_567, 987_654_321_012, Number.MAX_SAFE_INTEGER, 2.5]) {
    assert.equal(formatCount(count), count.toLocaleString('en-US'), String(count))
  }
})
