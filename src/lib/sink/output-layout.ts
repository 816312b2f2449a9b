/**
 * Where output rows go: `<table>/data/<partition>/<uuid>.parquet` under the sink's root, one file
 * per (schema, partition) — schemas are never merged — and a new file once one holds the target
 * amount of Arrow data. Each file is named from what it holds (output-name), so the same pieces
 * laid out the same way give the same paths. Pieces are whatever the writer needs: byte ranges of
 * stream files, or of streams in memory.
 */
import { posix } from 'node:path'
import { tableDirectoryName } from '../format/table-directory.js'
import { outputName } from './output-name.js'

export interface LaidOutFile<P> {
  /** Relative to the sink's root. */
  readonly path: string
  readonly partition: string
  readonly rows: number
  /** Arrow data that goes into it (what the target bounds). */
  readonly arrowBytes: number
  readonly pieces: readonly P[]
}

export interface OutputLayoutOptions {
  readonly table: string
  /** Who writes: host and table directory (output-name); part of every file's name. */
  readonly identity: string
  /** Arrow bytes per file before another starts. */
  readonly targetFileBytes: number
  /** The directory under the sink's root the partitions lie in. @default `<table>/data` (an Iceberg table's location: `data`) */
  readonly dataDirectory?: string
}

/** Where a table's partitions lie under an output root: `<table>/data`. */
export function dataDirectoryOf(table: string): string {
  return posix.join(tableDirectoryName(table), 'data')
}

/** Told of each file the moment it is full: no piece will be added to it. */
export type FullFileListener<P> = (file: LaidOutFile<P>) => void

type OpenFile<P> = { signature: string; partition: string; rows: number; arrowBytes: number; pieces: P[]; identities: string[] }

export class OutputLayout<P> {
  readonly #options: OutputLayoutOptions
  readonly #open = new Map<string, OpenFile<P>>()
  readonly #files: OpenFile<P>[] = []

  readonly #onFull: FullFileListener<P> | undefined

  constructor(options: OutputLayoutOptions, onFull?: FullFileListener<P>) {
    this.#options = options
    this.#onFull = onFull
  }

  /**
   * Adds a piece of `rows` rows and `arrowBytes` bytes of the schema `signature` to its partition's
   * file; `identity` says which rows of which source file the piece is.
   */
  add(signature: string, partition: string, piece: P, rows: number, arrowBytes: number, identity: string): void {
    const key = `${signature}\0${partition}`
    const previous = this.#open.get(key)
    let file = previous && previous.arrowBytes < this.#options.targetFileBytes ? previous : undefined
    if (!file) {
      file = { signature, partition, rows: 0, arrowBytes: 0, pieces: [], identities: [] }
      this.#open.set(key, file)
      this.#files.push(file)
    }
    file.pieces.push(piece)
    file.identities.push(identity)
    file.rows += rows
    file.arrowBytes += arrowBytes
    // The next piece of this schema and partition starts another file.
    if (file.arrowBytes >= this.#options.targetFileBytes) this.#onFull?.(this.#laidOut(file))
  }

  /** Every file, in the order they were started. */
  files(): LaidOutFile<P>[] {
    return this.#files.map((file) => this.#laidOut(file))
  }

  #laidOut({ signature, partition, rows, arrowBytes, pieces, identities }: OpenFile<P>): LaidOutFile<P> {
    const { table, identity, dataDirectory } = this.#options
    return {
      path: posix.join(dataDirectory ?? dataDirectoryOf(table), partition, outputName([identity, table, signature, partition, ...identities])),
      partition,
      rows,
      arrowBytes,
      pieces,
    }
  }
}
