/**
 * An Iceberg table's location as a place to write: its data files and metadata go under it, through
 * the same sinks as any output (a local directory, an S3 bucket). Catalogs spell locations their
 * own way — `file:/dir`, `file:///dir`, `/dir`, `s3://bucket/key`, `s3a://…` — and every path bufctl
 * records in the table starts with the location exactly as the catalog spelled it, so readers
 * resolve them as they resolve the catalog's own.
 */
import { fileURLToPath } from 'node:url'
import { InvalidOptionsError } from '../usage-errors.js'
import type { OutputSinks } from './open-sink.js'
import type { OutputSink } from './output-sink.js'

/** A location as one spelling: without trailing slashes (catalogs write it either way). */
export function trimmedLocation(location: string): string {
  return location.replace(/\/+$/, '')
}

/** The output root (a path, or an s3:// URL) of a location; another scheme is refused by name. */
export function locationRoot(location: string): string {
  const trimmed = trimmedLocation(location)
  if (trimmed.startsWith('/')) return trimmed
  if (/^file:/i.test(trimmed)) return fileURLToPath(trimmed.replace(/^file:\/*/i, 'file:///'))
  const s3 = /^s3[an]?:\/\/(.*)$/i.exec(trimmed)
  if (s3) return `s3://${s3[1]}`
  throw new InvalidOptionsError('--iceberg-catalog', `the table's location ${location} is not on S3 or a local disk, the stores bufctl writes to`)
}

/** The files of one table, under its location. */
export class TableFiles {
  /** The location as the catalog spells it. */
  readonly location: string
  readonly sink: OutputSink
  readonly #sinks: OutputSinks

  constructor(sinks: OutputSinks, location: string) {
    this.location = trimmedLocation(location)
    this.sink = sinks.open(locationRoot(location))
    this.#sinks = sinks
  }

  /** The full location of a file under the table's location, spelled as the catalog spells it. */
  url(relative: string): string {
    return `${this.location}/${relative}`
  }

  /** Writes a small file whole (a manifest, a manifest list); resolves to its size. */
  async write(relative: string, bytes: Uint8Array): Promise<number> {
    const writer = await this.sink.create(relative)
    try {
      await writer.write(bytes)
    } catch (error) {
      await writer.abort().catch(() => undefined)
      throw error
    }
    return writer.commit()
  }

  async remove(relative: string): Promise<void> {
    await this.sink.remove(relative)
  }

  /** Reads any file of the table by its full location (a manifest list another writer wrote, say). */
  async read(url: string): Promise<Uint8Array> {
    const root = locationRoot(url)
    const slash = root.lastIndexOf('/')
    const reader = await this.#sinks.open(root.slice(0, slash) || '/').open(root.slice(slash + 1))
    if (!reader) throw new Error(`${url}, which the table's metadata names, does not exist`)
    try {
      return new Uint8Array(await reader.slice(0, reader.byteLength))
    } finally {
      await reader.close()
    }
  }
}
