/**
 * The stream being appended, `active.ipc`: created with its schema message, grown one batch's
 * messages at a time, and either sealed (end-of-stream marker, then renamed by the store into the
 * next pending file) or discarded when it holds no complete batch. Its size is always the end of
 * a complete message, so a failed write can be cut back to it.
 */
import { open, truncate, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { Schema } from 'apache-arrow'
import { StoreWriteError } from '../errors.js'
import { removeIfExists, writeFully } from '../fs-util.js'
import { matchOwner } from '../ownership.js'
import { END_OF_STREAM } from '../format/ipc-framing.js'
import { ACTIVE_FILE } from '../format/table-directory.js'

export class ActiveStream {
  readonly path: string
  readonly schema: Schema
  readonly #handle: FileHandle
  /** Bytes written so far: always the end of a complete message. */
  #size: number
  #rows = 0

  private constructor(path: string, handle: FileHandle, schema: Schema, size: number) {
    this.path = path
    this.#handle = handle
    this.schema = schema
    this.#size = size
  }

  /** Creates `active.ipc` holding the schema message; never overwrites an existing one. */
  static async start(directory: string, schema: Schema, schemaMessage: Uint8Array): Promise<ActiveStream> {
    const path = join(directory, ACTIVE_FILE)
    let handle: FileHandle
    try {
      // 'wx': recovery has moved any earlier active file away; never overwrite one.
      handle = await open(path, 'wx')
    } catch (error) {
      throw new StoreWriteError(path, error)
    }
    try {
      await matchOwner(path)
      await writeFully(handle, schemaMessage, 0)
    } catch (error) {
      // The file holds no complete batch: discarding it loses nothing.
      await handle.close().catch(() => undefined)
      await removeIfExists(path).catch(() => undefined)
      throw new StoreWriteError(path, error)
    }
    return new ActiveStream(path, handle, schema, schemaMessage.byteLength)
  }

  get rows(): number {
    return this.#rows
  }

  /**
   * Appends one batch's messages. On a failed write the partial message is cut off and the error
   * thrown; the stream keeps its complete batches (the caller then seals or discards it).
   */
  async append(dataMessages: Uint8Array, rows: number, fsync: boolean): Promise<void> {
    try {
      await writeFully(this.#handle, dataMessages, this.#size)
      if (fsync) await this.#handle.sync()
    } catch (error) {
      // Best effort: recovery tolerates a torn tail anyway.
      await truncate(this.path, this.#size).catch(() => undefined)
      throw new StoreWriteError(this.path, error)
    }
    this.#size += dataMessages.byteLength
    this.#rows += rows
  }

  /** Writes the end-of-stream marker and closes the file; it stays where it is. */
  async finish(fsync: boolean): Promise<void> {
    try {
      await writeFully(this.#handle, END_OF_STREAM, this.#size)
      if (fsync) await this.#handle.sync()
    } finally {
      await this.#handle.close()
    }
  }

  /** Closes and removes a stream that holds no complete batch: nothing is lost. */
  async discard(): Promise<void> {
    await this.#handle.close().catch(() => undefined)
    await removeIfExists(this.path)
  }
}
