/** ingest's schema rule: every input must match the others and the table's current stream. */
import { readdir } from 'node:fs/promises'
import type { Schema } from 'apache-arrow'
import { ExporterShapeError, SchemaMismatchError } from '../usage-errors.js'
import { exporterShapeDifference, isExporterTable } from '../format/exporter-schemas.js'
import { decodeSchema, fieldList, sameSchema } from '../format/batch-codec.js'
import { ACTIVE_FILE, sortedPendingFiles } from '../format/table-directory.js'
import { inspectStreamFile, readSchemaMessage } from '../format/table-scan.js'
import type { CheckedInput } from './input-reader.js'

/** What ingest demands of an input's schema: `exporter` the exporter's shape for its seven tables; `any` only agreement with the table's stream. */
export type SchemaRule = 'exporter' | 'any'

/**
 * Throws at the first input that would break the table: for the exporter's tables (unless the rule
 * is `any`), a shape other than the exporter's (ExporterShapeError); for every table, a schema
 * other than the table's current stream's or the inputs' before it (SchemaMismatchError).
 */
export async function checkSchemas(table: string, inputs: readonly CheckedInput[], directory: string | undefined, rule: SchemaRule): Promise<void> {
  let expected = directory ? await currentStreamSchema(directory) : undefined
  for (const input of inputs) {
    if (!input.schema) continue
    if (rule === 'exporter' && isExporterTable(table)) {
      const difference = exporterShapeDifference(
        table,
        input.schema.fields.map((f) => ({ name: f.name, type: String(f.type), nullable: f.nullable })),
      )
      if (difference) throw new ExporterShapeError(input.path, table, difference.index, difference.expected, difference.found)
    }
    if (input.rows === 0) continue
    if (expected && !sameSchema(expected.schema, input.schema)) {
      throw new SchemaMismatchError(input.path, `${fieldList(expected.schema)} (${expected.source})`, fieldList(input.schema))
    }
    expected ??= { schema: input.schema, source: input.path }
  }
}

/**
 * The schema of the table's newest stream file that holds rows. Opening the table promotes an
 * orphaned active file, so the newest file — active or pending — is what new rows follow.
 */
async function currentStreamSchema(directory: string): Promise<{ schema: Schema; source: string } | undefined> {
  let names: string[]
  try {
    names = await readdir(directory)
  } catch {
    return undefined // a new table
  }
  const candidates = [
    ...(names.includes(ACTIVE_FILE) ? [ACTIVE_FILE] : []),
    ...sortedPendingFiles(names)
      .map((p) => p.name)
      .reverse(),
  ]
  for (const name of candidates) {
    const file = await inspectStreamFile(directory, name)
    if ('reason' in file) continue
    const bytes = file.rows > 0 ? await readSchemaMessage(file) : undefined
    const schema = bytes && decodeSchema(bytes)
    if (schema) return { schema, source: file.path }
  }
  return undefined
}
