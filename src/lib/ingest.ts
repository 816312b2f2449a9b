/**
 * ingest: feed Arrow IPC inputs (stream or file format, detected from the bytes; `-` for stdin)
 * into a table's buffer through the Manager. Every input is read and checked whole before the
 * first batch is appended, so a bad input — not Arrow, empty, torn, or of another schema than the
 * table's current stream — is rejected with nothing appended.
 */
import { randomBytes } from 'node:crypto'
import { open, readdir, stat, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { RecordBatch, Schema } from 'apache-arrow'
import { CorruptStreamError, InputNotFoundError, InvalidOptionsError, NotArrowError, SchemaMismatchError } from './errors.js'
import { bytesSource, detectFormat, fileSource, scanStream } from './ipc-framing.js'
import { decodeSchema, fieldList, sameSchema } from './ipc-codec.js'
import { Manager, type StorageType } from './manager.js'
import { planOutputs, writeOutput, type Compression, type WrittenOutput } from './parquet-writer.js'
import type { Granularity } from './partitioning.js'
import type { ProgressListener } from './progress.js'
import { ACTIVE_FILE, sortedPendingFiles } from './spill-layout.js'
import { inspectStreamFile, readSchemaMessage } from './spill-inspection.js'
import { tableDirectoryName } from './table-name.js'
import { bytesRangeReader, fileRangeReader, salvageBatches } from './stream-batches.js'

export interface IngestOptions {
  readonly table: string
  /** Input paths; `-` reads `stdin`. */
  readonly inputs: readonly string[]
  /** Standard input, for `-`. */
  readonly stdin?: AsyncIterable<Uint8Array>
  /** @default 'disk' when root is given, else 'memory' */
  readonly storage?: StorageType
  /** Root of the spill directory (disk storage). */
  readonly root?: string
  /** Size cap that triggers a flush to `out`; 0 disables. @default 0 */
  readonly maxSizeBytes?: number
  /** Period of time-triggered flushes to `out`; 0 disables. @default 0 */
  readonly flushIntervalMs?: number
  /** Parquet output root for size-, time- and end-triggered flushes. Without it ingest only spills. */
  readonly out?: string
  /** Flush everything to `out` at the end. @default false */
  readonly flush?: boolean
  /** fsync the spilled data so it survives power loss. @default false */
  readonly fsync?: boolean
  readonly compression?: Compression
  readonly granularity?: Granularity
  readonly partitionBy?: string
  readonly progress?: ProgressListener
}

export interface IngestedInput {
  readonly path: string
  readonly format: 'stream' | 'file'
  readonly bytes: number
  readonly batches: number
  readonly rows: number
}

export interface IngestReport {
  readonly table: string
  readonly storage: StorageType
  /** The table directory (disk storage). */
  readonly directory?: string
  readonly inputs: readonly IngestedInput[]
  readonly rows: number
  readonly flushedRows: number
  readonly outputs: readonly WrittenOutput[]
  /** Rows left in the buffer (spilled, not flushed) at the end. */
  readonly bufferedRows: number
}

/** An input read and checked whole: its batches in memory, or (a stream file) only where they are. */
interface DecodedInput extends IngestedInput {
  readonly schema?: Schema
  readonly recordBatches: RecordBatch[]
  /** Set for a stream-format file checked in place: the file itself becomes a pending file. */
  readonly inPlace?: { readonly endOfStream: boolean }
}

export async function ingest(options: IngestOptions): Promise<IngestReport> {
  const storage = options.storage ?? (options.root ? 'disk' : 'memory')
  validate(options, storage)
  // Appending raw bytes skips decoding; batches are needed in memory only to flush them to Parquet.
  const inPlace = storage === 'disk' && !options.out
  const decoded: DecodedInput[] = []
  for (const [index, path] of options.inputs.entries()) {
    decoded.push(inPlace && path !== '-' ? await checkInput(path) : await readInput(path, options.stdin))
    options.progress?.({ phase: 'files', table: options.table, done: index + 1, total: options.inputs.length })
  }
  const directory = storage === 'disk' ? join(options.root!, tableDirectoryName(options.table)) : undefined
  await checkSchemas(decoded, directory)

  const outputs: WrittenOutput[] = []
  const out = options.out
  let flushedRows = 0
  const manager = new Manager({
    storage: { type: storage, path: options.root, fsync: options.fsync },
    maxSizeBytes: out ? (options.maxSizeBytes ?? 0) : 0,
    flushIntervalMs: out ? (options.flushIntervalMs ?? 0) : 0,
    flush: async (table, batches, rows) => {
      const plans = planOutputs(table, batches, `bufctl-${randomBytes(8).toString('hex')}`, { out: out!, granularity: options.granularity, partitionBy: options.partitionBy })
      let bytes = 0
      for (const plan of plans) {
        const output = await writeOutput(plan, { compression: options.compression })
        outputs.push(output)
        bytes += output.bytes
      }
      flushedRows += rows
      return bytes
    },
  })
  let bufferedRows = 0
  try {
    manager.start()
    for (const input of decoded) {
      if (input.inPlace) {
        if (input.rows > 0) await (await manager.buffer(options.table)).addStreamFile(input.path, { rows: input.rows, endOfStream: input.inPlace.endOfStream })
      }
      else for (const batch of input.recordBatches) await manager.add(options.table, batch)
    }
    if (options.flush || storage === 'memory') await manager.stop()
    bufferedRows = (await manager.buffer(options.table)).rows()
  } finally {
    await manager.close()
  }
  return {
    table: options.table,
    storage,
    directory,
    inputs: decoded.map(({ path, format, bytes, batches, rows }) => ({ path, format, bytes, batches, rows })),
    rows: decoded.reduce((sum, input) => sum + input.rows, 0),
    flushedRows,
    outputs,
    bufferedRows,
  }
}

function validate(options: IngestOptions, storage: StorageType): void {
  if (!options.table) throw new InvalidOptionsError('table', 'name the table to ingest into')
  if (options.inputs.length === 0) throw new InvalidOptionsError('file', 'name at least one Arrow IPC file, or - for standard input')
  if (storage === 'disk' && !options.root) throw new InvalidOptionsError('--path', 'disk storage needs the spill root (--path or BUFCTL_PATH)')
  if (storage === 'memory' && !options.out) throw new InvalidOptionsError('--out', 'memory storage keeps nothing after the command: give --out for the Parquet output, or --path to spill to disk')
  if (!options.out && (options.flush || options.maxSizeBytes || options.flushIntervalMs)) {
    throw new InvalidOptionsError('--out', '--flush, --max-size and --flush-interval write Parquet: name the output directory with --out')
  }
}

/** Reads one input whole and decodes it, or throws an error naming it. */
async function readInput(path: string, stdin: AsyncIterable<Uint8Array> | undefined): Promise<DecodedInput> {
  const bytes = path === '-' ? await readAll(stdin, path) : await readInputFile(path)
  if (bytes.byteLength === 0) throw new NotArrowError(path, 'it is empty')
  const format = detectFormat(bytes.subarray(0, 8))
  if (format === 'unknown') throw new NotArrowError(path, 'it does not start with an Arrow IPC stream message or the ARROW1 file magic')
  if (format === 'file') return decodeFileFormat(path, bytes)
  const scan = await scanStream(bytesSource(bytes))
  const salvage = await salvageBatches(bytesRangeReader(bytes), scan, { keep: true })
  if (salvage.damage) throw new CorruptStreamError(path, salvage.damage.offset, `${salvage.damage.reason}; the input was not ingested`)
  return { path, format, bytes: bytes.byteLength, batches: salvage.batches.length, rows: salvage.rows, schema: salvage.schema, recordBatches: salvage.batches }
}

/**
 * Checks a file without keeping its batches: a stream-format file is scanned and each batch
 * decoded and checked in turn (one batch in memory at a time); other formats are read whole.
 */
async function checkInput(path: string): Promise<DecodedInput> {
  const handle = await openInput(path)
  try {
    const { size } = await handle.stat()
    const head = new Uint8Array(Math.min(8, size))
    await handle.read(head, 0, head.byteLength, 0)
    if (size === 0) throw new NotArrowError(path, 'it is empty')
    if (detectFormat(head) !== 'stream') return await readInput(path, undefined)
    const scan = await scanStream(fileSource(handle, size))
    // Counted, not kept: the file itself is what gets appended.
    const salvage = await salvageBatches(fileRangeReader(handle, { reuse: true }), scan, { keep: false })
    if (salvage.damage) throw new CorruptStreamError(path, salvage.damage.offset, `${salvage.damage.reason}; the input was not ingested`)
    return { path, format: 'stream', bytes: size, batches: scan.recordBatches, rows: salvage.rows, schema: salvage.schema, recordBatches: [], inPlace: { endOfStream: scan.endOfStream } }
  } finally {
    await handle.close()
  }
}

async function openInput(path: string): Promise<FileHandle> {
  try {
    const info = await stat(path)
    if (info.isDirectory()) throw new InputNotFoundError(path, 'it is a directory, not a file')
    return await open(path, 'r')
  } catch (error) {
    if (error instanceof InputNotFoundError) throw error
    const code = (error as NodeJS.ErrnoException).code
    throw new InputNotFoundError(path, code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(error))
  }
}

async function decodeFileFormat(path: string, bytes: Uint8Array): Promise<DecodedInput> {
  const { RecordBatchReader } = await import('apache-arrow')
  const tail = new TextDecoder().decode(bytes.subarray(Math.max(0, bytes.byteLength - 6)))
  if (tail !== 'ARROW1') throw new CorruptStreamError(path, bytes.byteLength, 'the IPC file has no closing ARROW1 magic (torn or truncated); the input was not ingested')
  try {
    const reader = RecordBatchReader.from(bytes).open()
    const schema = reader.schema
    const recordBatches = [...reader]
    const rows = recordBatches.reduce((sum, batch) => sum + batch.numRows, 0)
    return { path, format: 'file', bytes: bytes.byteLength, batches: recordBatches.length, rows, schema, recordBatches }
  } catch (error) {
    throw new CorruptStreamError(path, 0, `cannot decode the IPC file (${error instanceof Error ? error.message : String(error)}); the input was not ingested`)
  }
}

async function readInputFile(path: string): Promise<Uint8Array> {
  const handle = await openInput(path)
  try {
    return await handle.readFile()
  } finally {
    await handle.close()
  }
}

async function readAll(stream: AsyncIterable<Uint8Array> | undefined, path: string): Promise<Uint8Array> {
  if (!stream) throw new InputNotFoundError(path, 'standard input is not available')
  const chunks: Uint8Array[] = []
  for await (const chunk of stream) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** Every input must match the others and the table's current stream (the newest stream file). */
async function checkSchemas(inputs: readonly DecodedInput[], directory: string | undefined): Promise<void> {
  let expected = directory ? await currentStreamSchema(directory) : undefined
  for (const input of inputs) {
    if (!input.schema || input.rows === 0) continue
    if (expected && !sameSchema(expected.schema, input.schema)) {
      throw new SchemaMismatchError(input.path, `${fieldList(expected.schema)} (${expected.source})`, fieldList(input.schema))
    }
    expected ??= { schema: input.schema, source: input.path }
  }
}

async function currentStreamSchema(directory: string): Promise<{ schema: Schema; source: string } | undefined> {
  let names: string[]
  try {
    names = await readdir(directory)
  } catch {
    return undefined // a new table
  }
  const candidates = [...(names.includes(ACTIVE_FILE) ? [ACTIVE_FILE] : []), ...sortedPendingFiles(names).map((p) => p.name).reverse()]
  for (const name of candidates) {
    const file = await inspectStreamFile(directory, name)
    const bytes = file.rows > 0 ? await readSchemaMessage(file) : undefined
    const schema = bytes && decodeSchema(bytes)
    if (schema) return { schema, source: file.path }
  }
  return undefined
}
