/**
 * Before a drain commits, and before a journal found after a crash is rolled forward, every output
 * is read back: it must exist and its Parquet footer must hold exactly the rows handed to the
 * writer. hyparquet reads the footer from a few byte ranges (local file or object store alike).
 */
import type { OutputSink } from '../sink/output-sink.js'
import type { JournalOutput } from './commit-journal.js'

export interface VerificationFailure {
  readonly path: string
  readonly reason: string
}

/** The first output that is missing or holds other than its recorded rows, or undefined when all are right. */
export async function verifyOutputs(sink: OutputSink, outputs: readonly JournalOutput[]): Promise<VerificationFailure | undefined> {
  const { parquetMetadataAsync } = await import('hyparquet')
  for (const output of outputs) {
    const path = sink.locate(output.path)
    const reader = await sink.open(output.path)
    if (!reader) return { path, reason: 'missing' }
    try {
      const metadata = await parquetMetadataAsync(reader)
      const rows = Number(metadata.num_rows)
      if (rows !== output.rows) return { path, reason: `its footer holds ${rows} rows, ${output.rows} were written` }
    } catch (error) {
      return { path, reason: `not a readable Parquet file (${(error as Error).message})` }
    } finally {
      await reader.close()
    }
  }
  return undefined
}
