/** ingest's schema rule: every input must match the others and the table's current stream. */
import { readdir } from 'node:fs/promises'
import type { Schema } from 'apache-arrow'
import { SchemaMismatchError } from '../errors.js'
import { decodeSchema, fieldList, sameSchema } from '../format/batch-codec.js'
import { ACTIVE_FILE, sortedPendingFiles } from '../format/table-directory.js'
import { inspectStreamFile, readSchemaMessage } from '../format/table-scan.js'
import type { CheckedInput } from './input-reader.js'

/** Throws SchemaMismatchError at the first input whose schema differs from what precedes it. */
export async function checkSchemas(inputs: readonly CheckedInput[], directory: string | undefined): Promise<void> {
  let expected = directory ? await currentStreamSchema(directory) : undefined
  for (const input of inputs) {
    if (!input.schema || input.rows === 0) continue
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
    const bytes = file.rows > 0 ? await readSchemaMessage(file) : undefined
    const schema = bytes && decodeSchema(bytes)
    if (schema) return { schema, source: file.path }
  }
  return undefined
}
