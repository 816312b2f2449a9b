/**
 * Where output rows go: `<table>/data/<partition>/<name>-<schema>-<part>.parquet` under the sink's
 * root, one file
 * per (schema, partition) — schemas are never merged — and a new part once a file holds the target
 * amount of Arrow data. The same pieces in the same order give the same paths, so a repeated drain
 * overwrites rather than adds. Pieces are whatever the writer needs: byte ranges of stream files
 * (flush, recover) or batches in memory (ingest's flushes).
 */
import { posix } from 'node:path'
import { tableDirectoryName } from '../format/table-directory.js'

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
  /** Base of the file names. */
  readonly name: string
  /** Arrow bytes per file before another part starts. */
  readonly targetFileBytes: number
}

type OpenFile<P> = { path: string; partition: string; rows: number; arrowBytes: number; pieces: P[]; part: number }

export class OutputLayout<P> {
  readonly #options: OutputLayoutOptions
  readonly #schemas = new Map<string, number>()
  readonly #open = new Map<string, OpenFile<P>>()
  readonly #files: OpenFile<P>[] = []

  constructor(options: OutputLayoutOptions) {
    this.#options = options
  }

  /** Adds a piece of `rows` rows and `arrowBytes` bytes of the schema `signature` to its partition's file. */
  add(signature: string, partition: string, piece: P, rows: number, arrowBytes: number): void {
    if (!this.#schemas.has(signature)) this.#schemas.set(signature, this.#schemas.size)
    const schemaIndex = this.#schemas.get(signature)!
    const key = `${schemaIndex}\0${partition}`
    const previous = this.#open.get(key)
    let file = previous && previous.arrowBytes < this.#options.targetFileBytes ? previous : undefined
    if (!file) {
      const part = (previous?.part ?? -1) + 1
      const { table, name } = this.#options
      const path = posix.join(tableDirectoryName(table), 'data', partition, `${name}-${schemaIndex}-${part}.parquet`)
      file = { path, partition, rows: 0, arrowBytes: 0, pieces: [], part }
      this.#open.set(key, file)
      this.#files.push(file)
    }
    file.pieces.push(piece)
    file.rows += rows
    file.arrowBytes += arrowBytes
  }

  files(): LaidOutFile<P>[] {
    return this.#files.map(({ path, partition, rows, arrowBytes, pieces }) => ({ path, partition, rows, arrowBytes, pieces }))
  }
}
