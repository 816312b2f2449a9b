/**
 * Where output rows go: `<table>/data/<partition>/<uuid>.parquet` under the sink's root, one file
 * per (schema, partition) — schemas are never merged — and a new file once one holds the target
 * amount of Arrow data. A file is named the moment it opens, from its first piece (output-name),
 * so that it can be named in the journal and written while pieces still join it; the same pieces
 * laid out the same way give the same paths.
 * Pieces are whatever the writer needs: byte ranges of stream files, or of streams in memory.
 */
import { posix } from 'node:path'
import { tableDirectoryName } from '../format/table-directory.js'
import { Changes } from '../changes.js'
import { outputName } from './output-name.js'

export interface LaidOutFile<P> {
  /** Relative to the sink's root. */
  readonly path: string
  readonly partition: string
  /** Rows so far (all of them once the file is complete). */
  readonly rows: number
  /** Arrow data that goes into it (what the target bounds). */
  readonly arrowBytes: number
  /** The pieces so far, in order: the same array grows while the file is open. */
  readonly pieces: readonly P[]
}

/** A laid-out file while pieces may still join it. */
export interface GrowingFile<P> extends LaidOutFile<P> {
  /** No piece will join any more: it is full, or the layout is finished. */
  readonly complete: boolean
  /** Resolves once a piece joins or the file is complete; rejects once the layout failed. */
  grown(): Promise<void>
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

export interface LayoutListeners<P> {
  /** Told of each file the moment it opens (with its first piece): it may be written while it grows. */
  readonly onOpen?: (file: GrowingFile<P>) => void
  /** Told of each file the moment it is full, while planning goes on (not of those finish() completes). */
  readonly onFull?: (file: LaidOutFile<P>) => void
}

class OpenFile<P> implements GrowingFile<P> {
  rows = 0
  arrowBytes = 0
  readonly pieces: P[] = []
  readonly #changes = new Changes()

  constructor(
    readonly path: string,
    readonly partition: string,
  ) {}

  add(piece: P, rows: number, arrowBytes: number): void {
    this.pieces.push(piece)
    this.rows += rows
    this.arrowBytes += arrowBytes
    this.#changes.changed()
  }

  get complete(): boolean {
    return this.#changes.ended
  }

  close(): void {
    this.#changes.end()
  }

  fail(error: Error): void {
    this.#changes.fail(error)
  }

  grown(): Promise<void> {
    return this.#changes.next()
  }
}

/** What a planner adds pieces to. */
export interface PieceLayout<P> {
  add(signature: string, partition: string, piece: P, rows: number, arrowBytes: number, identity: string): void
}

export class OutputLayout<P> implements PieceLayout<P> {
  readonly #options: OutputLayoutOptions
  readonly #open = new Map<string, OpenFile<P>>()
  readonly #files: OpenFile<P>[] = []
  readonly #listeners: LayoutListeners<P>

  constructor(options: OutputLayoutOptions, listeners: LayoutListeners<P> = {}) {
    this.#options = options
    this.#listeners = listeners
  }

  /**
   * Adds a piece of `rows` rows and `arrowBytes` bytes of the schema `signature` to its partition's
   * file; `identity` says which rows of which source file the piece is (a file that opens with it is
   * named from it). Pieces of different lanes never share a file (planned side by side, each lane
   * fills files of its own).
   */
  add(signature: string, partition: string, piece: P, rows: number, arrowBytes: number, identity: string, lane = 0): void {
    const key = `${lane}\0${signature}\0${partition}`
    let file = this.#open.get(key)
    const opened = !file
    if (!file) {
      const { table, dataDirectory } = this.#options
      const name = outputName([this.#options.identity, table, signature, partition, identity])
      file = new OpenFile<P>(posix.join(dataDirectory ?? dataDirectoryOf(table), partition, name), partition)
      this.#open.set(key, file)
      this.#files.push(file)
    }
    file.add(piece, rows, arrowBytes)
    if (opened) this.#listeners.onOpen?.(file)
    // The next piece of this schema and partition starts another file.
    if (file.arrowBytes >= this.#options.targetFileBytes) {
      this.#open.delete(key)
      file.close()
      this.#listeners.onFull?.(file)
    }
  }

  /** This layout as one lane adds to it. */
  lane(lane: number): PieceLayout<P> {
    return { add: (signature, partition, piece, rows, arrowBytes, identity) => this.add(signature, partition, piece, rows, arrowBytes, identity, lane) }
  }

  /** Every file, in the order they were started. */
  files(): readonly LaidOutFile<P>[] {
    return this.#files
  }

  /** No piece will join any file any more. */
  finish(): void {
    for (const file of this.#open.values()) file.close()
    this.#open.clear()
  }

  /** Planning failed: whoever waits for a file to grow is told so. */
  fail(error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error))
    for (const file of this.#open.values()) file.fail(failure)
    this.#open.clear()
  }
}
