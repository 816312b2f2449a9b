/**
 * Outputs in a local directory tree. Each file is written under a temporary name beside its final
 * one — created exclusively, never through a link, unpredictable — then fsynced, renamed into place
 * and its directory fsynced: a reader never sees a partial file, and once commit() resolves the
 * file survives a crash. Nothing is written outside the root, even where a directory inside it is
 * a link elsewhere.
 */
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { access, mkdir, open, readdir, realpath, rename, stat, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join, resolve, sep } from 'node:path'
import { OutputRootError } from '../usage-errors.js'
import { fsyncDirectory, removeIfExists, withPath, writeFully } from '../fs-util.js'
import type { OutputReader, OutputSink, OutputWriter } from './output-sink.js'

const CREATE_EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW

export class LocalSink implements OutputSink {
  readonly root: string

  constructor(root: string) {
    this.root = resolve(root)
  }

  locate(relative: string): string {
    return join(this.root, relative)
  }

  async checkWritable(): Promise<void> {
    // The nearest existing directory on the way must be a writable directory; nothing is created.
    let existing = this.root
    for (;;) {
      const info = await stat(existing).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw new OutputRootError(this.root, describeErrno(error as NodeJS.ErrnoException, existing))
      })
      if (info) {
        if (!info.isDirectory()) throw new OutputRootError(this.root, `${existing} is not a directory`)
        break
      }
      if (dirname(existing) === existing) break
      existing = dirname(existing)
    }
    try {
      await access(existing, constants.W_OK | constants.X_OK)
    } catch (error) {
      throw new OutputRootError(this.root, describeErrno(error as NodeJS.ErrnoException, existing))
    }
  }

  async create(relative: string): Promise<OutputWriter> {
    const path = this.locate(relative)
    await mkdir(dirname(path), { recursive: true })
    await this.#assertInside(dirname(path))
    const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
    return new LocalWriter(path, temporary, await open(temporary, CREATE_EXCLUSIVE, 0o644))
  }

  async open(relative: string): Promise<OutputReader | undefined> {
    let handle: FileHandle
    try {
      handle = await open(this.locate(relative), constants.O_RDONLY | constants.O_NOFOLLOW)
    } catch (error) {
      if (isAbsent(error)) return undefined
      throw error
    }
    try {
      const info = await handle.stat()
      if (!info.isFile()) throw new Error(`${this.locate(relative)} is not a regular file`)
      return fileReader(handle, info.size)
    } catch (error) {
      await handle.close()
      throw error
    }
  }

  async remove(relative: string): Promise<void> {
    await removeAbsentOk(this.locate(relative))
    await this.removePartial(relative)
  }

  async removePartial(relative: string): Promise<void> {
    // Half-written ones: `.<name>.<random>.tmp` beside it.
    const path = this.locate(relative)
    const directory = dirname(path)
    const names = await readdir(directory).catch((error: unknown) => (isAbsent(error) ? [] : Promise.reject(error instanceof Error ? error : new Error(String(error)))))
    const prefix = `.${basename(path)}.`
    for (const name of names) if (name.startsWith(prefix) && name.endsWith('.tmp')) await removeAbsentOk(join(directory, name))
  }

  async close(): Promise<void> {
    // Nothing held open between outputs.
  }

  /** A directory reached through a link that leads outside the root is refused. */
  async #assertInside(directory: string): Promise<void> {
    const [real, realRoot] = await Promise.all([realpath(directory), realpath(this.root)])
    if (real !== realRoot && !real.startsWith(realRoot + sep)) throw new OutputRootError(this.root, `${directory} leads outside the output root (to ${real})`)
  }
}

function isAbsent(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code
  // ENOTDIR: a path component is a file, so the output cannot be there.
  return code === 'ENOENT' || code === 'ENOTDIR'
}

async function removeAbsentOk(path: string): Promise<void> {
  try {
    await removeIfExists(path)
  } catch (error) {
    if (!isAbsent(error)) throw error
  }
}

function describeErrno(error: NodeJS.ErrnoException, path: string): string {
  if (error.code === 'EACCES' || error.code === 'EPERM') return `permission denied on ${path}`
  if (error.code === 'ENOTDIR') return `a part of ${path} is not a directory`
  return `${path}: ${error.message}`
}

function fileReader(handle: FileHandle, size: number): OutputReader {
  return {
    byteLength: size,
    async slice(start, end = size) {
      const bytes = new Uint8Array(Math.max(0, end - start))
      const { bytesRead } = await handle.read(bytes, 0, bytes.byteLength, start)
      return bytes.buffer.slice(0, bytesRead)
    },
    close: () => handle.close(),
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
    // A failed write names no file: this output is the one (a full disk is the output's, not the spill root's).
    try {
      await writeFully(this.#handle, chunk, this.#size)
    } catch (error) {
      throw withPath(error, this.#path)
    }
    this.#size += chunk.byteLength
  }

  async commit(): Promise<number> {
    try {
      await this.#handle.sync()
    } catch (error) {
      await this.abort()
      throw withPath(error, this.#path)
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
