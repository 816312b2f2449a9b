/**
 * One table's quarantine/, opened once and read through its descriptor (pinned-directory): what
 * list, restore and purge act on is exactly what was looked at, inside the spill root, whatever is
 * renamed or linked meanwhile. Each file is described with its reason record and, when it is a
 * regular file, how recover would judge it now.
 */
import { closeSync, constants, openSync } from 'node:fs'
import { join } from 'node:path'
import { openQuarantine, REASON_SUFFIX, type QuarantineReason } from '../buffer/quarantine.js'
import { inspectDescriptor, oddOpenFailure, type StreamFileInspection } from '../format/table-scan.js'
import { display, identityOf, PinnedDirectory, type FileIdentity } from '../pinned-directory.js'
import { readTrusted } from '../fs-util.js'
import { classify, describeSetAside, type Verdict } from '../replay/file-verdict.js'

export interface QuarantinedFile {
  readonly table: string
  /** Its name in quarantine/ (bytes that are not UTF-8 shown as `\xNN`). */
  readonly file: string
  readonly path: string
  readonly bytes: number
  /** When it was moved (its reason record), else its modification time. */
  readonly movedAt: string
  readonly reason: string
  /** Its complete batches were written to Parquet when it was moved: it cannot be restored. */
  readonly written: boolean
  /** How recover would judge it now. */
  readonly verdict: Verdict | 'not-a-file'
  /** Rows in its complete batches. */
  readonly rows: number
  /** Whether `bufctl quarantine restore` would put it back, and if not, why. */
  readonly restorable: boolean
  readonly refusal?: string
}

/** A listed file with what acting on it needs: its raw name and the identity it had when looked at. */
export interface ScannedFile {
  readonly described: QuarantinedFile
  readonly name: Buffer
  readonly identity: FileIdentity
  readonly inspection?: StreamFileInspection
  /** The refusal is about what is known of its past (the record), which --force may override; not about its content. */
  readonly forceable: boolean
}

/** A table's directory and its quarantine/, pinned; close() on every path. */
export class QuarantineOfTable {
  readonly table: string
  readonly directory: PinnedDirectory
  readonly quarantine: PinnedDirectory | undefined

  private constructor(table: string, directory: PinnedDirectory, quarantine: PinnedDirectory | undefined) {
    this.table = table
    this.directory = directory
    this.quarantine = quarantine
  }

  static open(root: string, table: string): QuarantineOfTable {
    const directory = PinnedDirectory.open(join(root, table))
    try {
      return new QuarantineOfTable(table, directory, openQuarantine(directory))
    } catch (error) {
      directory.close()
      throw error
    }
  }

  /** Every file in quarantine/ (not the reason records), sorted by name, described. */
  async scan(): Promise<ScannedFile[]> {
    const quarantine = this.quarantine
    if (!quarantine) return []
    const suffix = Buffer.from(REASON_SUFFIX)
    const names = quarantine
      .names()
      .filter((name) => !(name.length > suffix.length && name.subarray(name.length - suffix.length).equals(suffix)))
      .sort((a, b) => Buffer.compare(a, b))
    const found: ScannedFile[] = []
    for (const name of names) {
      const scanned = await this.#describe(quarantine, name)
      if (scanned) found.push(scanned)
    }
    return found
  }

  /** The reason record of a quarantined file, or why there is none to trust. */
  async reasonOf(name: Buffer): Promise<QuarantineReason | string> {
    const quarantine = this.quarantine!
    const recordName = Buffer.concat([name, Buffer.from(REASON_SUFFIX)])
    try {
      const text = await readTrusted(quarantine.entry(recordName))
      if (text === undefined) return 'no reason record'
      const value = JSON.parse(text) as Partial<QuarantineReason> | null
      if (typeof value?.reason !== 'string' || typeof value.bytes !== 'number') return 'its reason record is not one bufctl writes'
      return value as QuarantineReason
    } catch {
      return 'its reason record cannot be read'
    }
  }

  close(): void {
    this.quarantine?.close()
    this.directory.close()
  }

  async #describe(quarantine: PinnedDirectory, name: Buffer): Promise<ScannedFile | undefined> {
    const info = quarantine.lstat(name)
    if (!info) return undefined
    const file = display(name)
    const record = await this.reasonOf(name)
    const known = typeof record === 'string' ? undefined : record
    const written = known?.written ?? /complete batches were (written|drained)/.test(known?.reason ?? '')
    const base = {
      table: this.table,
      file,
      path: join(quarantine.path, file),
      bytes: info.size,
      movedAt: known?.movedAt ?? info.mtime.toISOString(),
      reason: known?.reason ?? (record as string),
      written,
    }
    const inspection = info.isFile() ? await this.#inspect(quarantine, name, file) : undefined
    const verdict = inspection ? classify(inspection) : 'not-a-file'
    const refusal = contentRefusal(verdict, inspection) ?? historyRefusal({ record, written })
    const described: QuarantinedFile = { ...base, verdict, rows: inspection?.rows ?? 0, restorable: refusal === undefined, refusal }
    return { described, name, identity: identityOf(info), inspection, forceable: contentRefusal(verdict, inspection) === undefined }
  }

  async #inspect(quarantine: PinnedDirectory, name: Buffer, file: string): Promise<StreamFileInspection | undefined> {
    let fd: number
    try {
      fd = openSync(quarantine.entry(name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
    } catch (error) {
      if (oddOpenFailure(error) !== undefined || (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    try {
      const inspected = await inspectDescriptor(fd, file, join(quarantine.path, file))
      return 'reason' in inspected ? undefined : inspected
    } finally {
      closeSync(fd)
    }
  }
}

/** Why restore refuses a file for what it holds (no --force changes that), or undefined. */
function contentRefusal(verdict: Verdict | 'not-a-file', inspection: StreamFileInspection | undefined): string | undefined {
  if (verdict === 'not-a-file' || !inspection) return 'not a regular file'
  if (verdict === 'unreadable' || verdict === 'unsupported') return `recover would quarantine it again: ${describeSetAside(inspection)}`
  return undefined
}

/**
 * Why restore refuses a file for what is known of its past, or undefined. Without a record nobody
 * knows whether its rows were written (a salvaged original's were): refused, as a written one is.
 */
function historyRefusal(file: { record: QuarantineReason | string; written: boolean }): string | undefined {
  if (typeof file.record === 'string') return `${file.record}: whether its rows were written already is unknown`
  if (file.written) return 'its complete batches were written to Parquet when it was quarantined; restoring it would write those rows twice'
  return undefined
}
