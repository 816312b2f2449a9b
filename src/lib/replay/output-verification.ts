/**
 * Before a drain commits, and before a journal found after a crash is rolled forward, every output
 * is read back: it must exist, its Parquet footer must hold exactly the rows handed to the writer,
 * and name the drain it was written from (drain-identity). hyparquet reads the footer from a few
 * byte ranges (local file or object store alike).
 */
import { isStoreFailure } from '../errors.js'
import type { OutputSink } from '../sink/output-sink.js'
import type { JournalOutput } from './commit-journal.js'
import { DRAIN_KEY } from './drain-identity.js'

export interface VerificationFailure {
  readonly path: string
  /** Its place in the outputs verified. */
  readonly index: number
  readonly reason: string
  /** The output is there but does not hold its rows: the writer, fed these rows, wrote something else. */
  readonly short: boolean
}

/** What an output's footer says: its rows and the drain it was written from. */
export interface OutputFooter {
  readonly rows: number
  readonly drain?: string
  /** The output's size. */
  readonly bytes: number
}

/** The footer of an output, or undefined when there is no such output; a file that is not Parquet throws. */
export async function readFooter(sink: OutputSink, relative: string): Promise<OutputFooter | undefined> {
  const reader = await sink.open(relative)
  if (!reader) return undefined
  try {
    const { parquetMetadataAsync } = await import('hyparquet')
    const metadata = await parquetMetadataAsync(reader)
    return { rows: Number(metadata.num_rows), drain: metadata.key_value_metadata?.find((entry) => entry.key === DRAIN_KEY)?.value, bytes: reader.byteLength }
  } finally {
    await reader.close()
  }
}

/**
 * The first output that is missing, holds other than its recorded rows (or size, once recorded), or
 * was not written from `drain`; undefined when every output is right.
 */
export async function verifyOutputs(sink: OutputSink, outputs: readonly JournalOutput[], drain: string): Promise<VerificationFailure | undefined> {
  for (const [index, output] of outputs.entries()) {
    const path = sink.locate(output.path)
    let footer: OutputFooter | undefined
    try {
      footer = await readFooter(sink, output.path)
    } catch (error) {
      // A store that cannot be reached says nothing about the output: the caller stops, changing nothing.
      if (isStoreFailure(error)) throw error
      return { path, index, reason: `not a readable Parquet file (${(error as Error).message})`, short: true }
    }
    if (!footer) return { path, index, reason: 'missing', short: false }
    if (footer.drain !== drain) return { path, index, reason: 'not written from these pending files (its footer names another drain)', short: false }
    if (footer.rows !== output.rows) return { path, index, reason: `its footer holds ${footer.rows} rows, ${output.rows} were written`, short: true }
    if (output.bytes !== undefined && footer.bytes !== output.bytes) return { path, index, reason: `it has ${footer.bytes} bytes, ${output.bytes} were written`, short: false }
  }
  return undefined
}
