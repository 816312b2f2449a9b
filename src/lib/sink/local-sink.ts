/**
 * Outputs in a local directory tree. Each file is written under a hidden temporary name beside its
 * final one, fsynced, renamed into place and its directory fsynced: a reader never sees a partial
 * file, and once commit() resolves the file survives a crash.
 */
import { access, constants, mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fsyncDirectory, removeIfExists, temporaryPath, writeFully } from '../fs-util.js'
import type { OutputSink, OutputWriter } from './output-sink.js'

export class LocalSink implements OutputSink {
  readonly root: string

  constructor(root: string) {
    this.root = resolve(root)
  }

  locate(relative: string): string {
    return join(this.root, relative)
  }

  async checkWritable(): Promise<void> {
    await mkdir(this.root, { recursive: true })
    await access(this.root, constants.W_OK)
  }

  async create(relative: string): Promise<OutputWriter> {
    const path = this.locate(relative)
    await mkdir(dirname(path), { recursive: true })
    const temporary = temporaryPath(path)
    return new LocalWriter(path, temporary, await open(temporary, 'w'))
  }

  async size(relative: string): Promise<number | undefined> {
    try {
      return (await stat(this.locate(relative))).size
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }

  async remove(relative: string): Promise<void> {
    const path = this.locate(relative)
    await removeIfExists(path)
    await removeIfExists(temporaryPath(path))
  }
}

class LocalWriter implements OutputWriter {
  readonly #path: string
  readonly #temporary: string
  readonly #handle: FileHandle
  #size = 0
  #closed = false

  constructor(path: string, temporary: string, handle: FileHandle) {
    this.#path = path
    this.#temporary = temporary
    this.#handle = handle
  }

  async write(chunk: Uint8Array): Promise<void> {
    await writeFully(this.#handle, chunk, this.#size)
    this.#size += chunk.byteLength
  }

  async commit(): Promise<number> {
    try {
      await this.#handle.sync()
    } catch (error) {
      await this.abort()
      throw error
    }
    await this.#close()
    await rename(this.#temporary, this.#path)
    await fsyncDirectory(dirname(this.#path))
    return this.#size
  }

  async abort(): Promise<void> {
    await this.#close().catch(() => undefined)
    await removeIfExists(this.#temporary)
  }

  async #close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#handle.close()
  }
}
