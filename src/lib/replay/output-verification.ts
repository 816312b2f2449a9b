/**
 * Before a drain commits, and before a journal found after a crash is rolled forward, every output
 * is read back: it must exist, its Parquet footer must hold exactly the rows handed to the writer,
 * and name the drain it was written from (drain-identity). hyparquet reads the footer from a few
 * byte ranges (local file or object store alike).
 */
import { isStoreFailure } from '../store-errors.js'
import type { OutputReader, OutputSink } from '../sink/output-sink.js'
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
    return await footerOf(reader)
  } finally {
    await reader.close()
  }
}

async function footerOf(reader: OutputReader): Promise<OutputFooter> {
  const { parquetMetadataAsync } = await import('hyparquet')
  const metadata = await parquetMetadataAsync(reader)
  return { rows: Number(metadata.num_rows), drain: metadata.key_value_metadata?.find((entry) => entry.key === DRAIN_KEY)?.value, bytes: reader.byteLength }
}

/**
 * The first output that is missing, holds other than its recorded rows (or size, when known), or
 * was not written from `drain`; undefined when every output is right. Only an output of exactly
 * the size written whose footer is wrong blames the writer (`short`): any other difference is
 * the store's or the disk's (a store that answers with something else than the object).
 */
export async function verifyOutputs(sink: OutputSink, outputs: readonly JournalOutput[], drain: string): Promise<VerificationFailure | undefined> {
  for (const [index, output] of outputs.entries()) {
    const path = sink.locate(output.path)
    const failure = (reason: string, short = false): VerificationFailure => ({ path, index, reason, short })
    // A store that cannot be reached says nothing about the output: it throws, and the caller stops, changing nothing.
    const reader = await sink.open(output.path)
    if (!reader) return failure('missing')
    let footer: OutputFooter
    try {
      if (output.bytes !== undefined && reader.byteLength !== output.bytes) return failure(`it has ${reader.byteLength} bytes, ${output.bytes} were written`)
      footer = await footerOf(reader)
    } catch (error) {
      if (isStoreFailure(error)) throw error
      return failure(`not a readable Parquet file (${(error as Error).message})`, output.bytes !== undefined)
    } finally {
      await reader.close()
    }
    if (footer.drain !== drain) return failure('not written from these pending files (its footer names another drain)')
    if (footer.rows !== output.rows) return failure(`its footer holds ${footer.rows} rows, ${output.rows} were written`, true)
  }
  return undefined
}
