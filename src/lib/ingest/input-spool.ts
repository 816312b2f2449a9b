/**
 * Where ingest keeps an input it can read only once (standard input, a pipe) or must complete (an
 * IPC file whose stream lacks its schema message), so that it can be checked whole before anything
 * is appended, in bounded memory. A private temporary directory, removed on close() on every path.
 * An input that does not start like Arrow is refused after its first bytes, not spooled whole.
 */
import { constants } from 'node:fs'
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NotArrowError } from '../usage-errors.js'
import { writeFully } from '../fs-util.js'
import type { StreamFileSource } from '../buffer/record-store.js'
import { encodeSchemaMessage } from '../format/batch-codec.js'
import { detectFormat, notArrowReason } from '../format/ipc-framing.js'

const CHUNK_BYTES = 4 * 1024 * 1024

export class InputSpool {
  #directory: string | undefined
  #files = 0

  /** Copies a one-time stream into the spool; refuses it as soon as its first bytes are not Arrow. */
  async take(stream: AsyncIterable<Uint8Array>, label: string): Promise<string> {
    const { path } = await this.#write(async (target) => {
      let size = 0
      let head = new Uint8Array(0)
      for await (const chunk of stream) {
        if (head.byteLength < 8) {
          head = Buffer.concat([head, chunk]).subarray(0, 8)
          if (head.byteLength >= 8 && detectFormat(head) === 'unknown') throw new NotArrowError(label, notArrowReason(head))
        }
        await writeFully(target, chunk, size)
        size += chunk.byteLength
      }
      if (size > 0 && detectFormat(head) === 'unknown') throw new NotArrowError(label, notArrowReason(head))
      return size
    })
    return path
  }

  /**
   * The stream of an IPC file whose body has no schema message: the footer's schema as a message,
   * then the body's dictionary and record batch messages, as one stream in the spool.
   */
  async fromFileFormat(handle: FileHandle, footerStart: number, label: string): Promise<StreamFileSource> {
    const { size } = await handle.stat()
    const footer = new Uint8Array(size - footerStart)
    await handle.read(footer, 0, footer.byteLength, footerStart)
    const { RecordBatchReader } = await import('apache-arrow')
    let schemaMessage: Uint8Array
    try {
      // The footer alone, between magic numbers, is enough for the reader to give the schema.
      const magic = new TextEncoder().encode('ARROW1\0\0')
      const reader = RecordBatchReader.from(Buffer.concat([magic, footer])).open()
      schemaMessage = encodeSchemaMessage(reader.schema)
    } catch (error) {
      throw new NotArrowError(label, `its IPC file footer cannot be read (${(error as Error).message})`)
    }
    const spooled = await this.#write(async (target) => {
      await writeFully(target, schemaMessage, 0)
      const buffer = new Uint8Array(CHUNK_BYTES)
      let written = schemaMessage.byteLength
      for (let at = 8; at < footerStart;) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.byteLength, footerStart - at), at)
        if (bytesRead === 0) break
        await writeFully(target, buffer.subarray(0, bytesRead), written)
        written += bytesRead
        at += bytesRead
      }
      return written
    })
    return { path: spooled.path, start: 0, end: spooled.size, rows: 0, endOfStream: false }
  }

  async close(): Promise<void> {
    if (this.#directory) await rm(this.#directory, { recursive: true, force: true })
    this.#directory = undefined
  }

  /** A new spool file filled by `fill`, which resolves to the bytes it wrote. */
  async #write(fill: (target: FileHandle) => Promise<number>): Promise<{ path: string; size: number }> {
    this.#directory ??= await mkdtemp(join(tmpdir(), 'bufctl-ingest-'))
    const path = join(this.#directory, `input-${this.#files++}.arrows`)
    const target = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
    try {
      return { path, size: await fill(target) }
    } finally {
      await target.close()
    }
  }
}
