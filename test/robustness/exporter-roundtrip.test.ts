import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import fc from 'fast-check'
import { Table, tableToIPC } from 'apache-arrow'
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/fs.js'
import { rounds } from '../helpers/random.js'
import { filesUnder } from '../helpers/spill.js'
import { batchOfColumns, EXPORTER_TABLES, type Value } from '../fixtures/exporter-data.js'
import { exporterColumns, type ColumnSpec } from '../../src/lib/format/exporter-schemas.js'

const decoder = new TextDecoder('utf-8', { fatal: false })

/** Any value of a column of the exporter's: strings as text or as raw bytes (invalid UTF-8 included). */
function valueArbitrary(spec: ColumnSpec): fc.Arbitrary<Value> {
  const value: fc.Arbitrary<Value> = (() => {
    switch (spec.type) {
      case 'string':
        return fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.uint8Array({ maxLength: 12 }))
      case 'int32':
        return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
      case 'int64':
        return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
      case 'float64':
        return fc.double()
      case 'bool':
        return fc.boolean()
      case 'timestamp':
        // Within what every reader's date types hold: year 1 to 9999.
        return fc.bigInt({ min: -62_135_596_800_000_000n, max: 253_402_300_799_000_000n })
    }
  })()
  return spec.nullable ? fc.option(value, { nil: null }) : value
}

/** A table, a promoted-attribute set, and rows of values for every column. */
const exporterData = fc
  .record({
    table: fc.constantFrom(...EXPORTER_TABLES),
    promoted: fc.uniqueArray(fc.stringMatching(/^[a-z]{1,6}(\.[a-z]{1,6}){0,2}$/), { maxLength: 4, selector: (name) => name.replaceAll('.', '_') }),
    rows: fc.integer({ min: 1, max: 25 }),
  })
  .chain(({ table, promoted, rows }) =>
    fc.record({
      table: fc.constant(table),
      promoted: fc.constant(promoted),
      columns: fc.tuple(...exporterColumns(table, promoted).map((spec) => fc.array(valueArbitrary(spec), { minLength: rows, maxLength: rows }))),
    }),
  )

/** What an independent reader must see for a value written: invalid UTF-8 with U+FFFD per invalid sequence. */
function expectedValue(value: Value): unknown {
  if (value instanceof Uint8Array) return decoder.decode(value)
  return value
}

test('property: random exporter-shaped batches (any promoted set, nulls, invalid UTF-8) → ingest → recover: the Parquet holds exactly the rows', async (t) => {
  const work = await tempDir(t)
  let run = 0
  await fc.assert(
    fc.asyncProperty(exporterData, async ({ table, promoted, columns }) => {
      const dir = join(work, `run-${run++}`)
      const input = join(work, `input-${run}.arrows`)
      await writeFile(input, tableToIPC(new Table([batchOfColumns(table, promoted, columns)]), 'stream'))
      const ingested = await runCli(['ingest', table, input, '--path', join(dir, 'spill')])
      assert.equal(ingested.code, 0, ingested.stderr)
      const recovered = await runCli(['recover', '--path', join(dir, 'spill'), '--out', join(dir, 'out'), '--granularity', 'none'])
      assert.equal(recovered.code, 0, recovered.stderr)
      const rows: Record<string, unknown>[] = []
      for (const file of await filesUnder(join(dir, 'out'), '.parquet')) {
        const parsers = { timestampFromMicroseconds: (micros: bigint) => micros }
        rows.push(...((await parquetReadObjects({ file: await asyncBufferFromFile(file), compressors, parsers })) as Record<string, unknown>[]))
      }
      const specs = exporterColumns(table, promoted)
      assert.equal(rows.length, columns[0]!.length, 'every row, once')
      rows.forEach((row, index) => {
        for (const [column, spec] of specs.entries()) {
          assert.deepEqual(row[spec.name], expectedValue(columns[column]![index]!), `${table} row ${index} column ${spec.name}`)
        }
      })
    }),
    { numRuns: rounds('ROUNDTRIP_RUNS', 40, 12), seed: Number(process.env.ROUNDTRIP_SEED ?? 20261126) },
  )
})
