/**
 * The commit journal (`<table>/bufctl-commit.json`, a name the exporter ignores) that makes a
 * drain exactly-once. It names the drained pending files (with what identifies each), the output
 * root (absolute) and every output with its rows, and the state the commit reached:
 * - `held`: the drained files carry the held prefix (the exporter no longer sees them); no output yet;
 * - `writing`: outputs may be partly written (each named as it opens, before its rows are all
 *   planned: until the journal is durable, its rows may be those planned when it was named);
 * - `durable`: every output is written, synced and verified; once published (committed to the
 *   Iceberg table the journal names, which its attempts record; nothing to do for a directory or a
 *   bucket), the files may go.
 * The journal is input a hostile user could write, so reading it checks everything (size, shape,
 * names) before anything acts on it. (Commits made with --keep are recorded in kept-ledger.)
 */
import { randomBytes } from 'node:crypto'
import { rename } from 'node:fs/promises'
import { isAbsolute, join, posix } from 'node:path'
import { JournalError } from '../errors.js'
import { fsyncDirectory, readTrusted, removeIfExists, writeFileAtomically } from '../fs-util.js'
import { JOURNAL_FILE, pendingSequence, tableDirectoryName } from '../format/table-directory.js'
import { OUTPUT_NAME_PATTERN } from '../sink/output-name.js'
import type { AppendAttempt } from '../iceberg/index.js'
import { locationRoot } from '../sink/table-location.js'

export type JournalState = 'held' | 'writing' | 'durable'

export interface JournalFile {
  /** The pending file's name (the held name is derived from it). */
  readonly name: string
  readonly bytes: number
  readonly mtimeMs: number
  /** Damaged: once written, its original goes to quarantine/ instead of being deleted. */
  readonly quarantine: boolean
}

export interface JournalOutput {
  /** Relative to `out`. */
  readonly path: string
  /** The rows it holds (in a `writing` journal, maybe only those planned when it was named: it may still be growing). */
  readonly rows: number
  /** Its size once written (a durable journal has it): the output must still have it. */
  readonly bytes?: number
  /** What a crash could leave half-written under its name (S3 multipart upload ids), recorded as they start. */
  readonly partials?: readonly string[]
}

export interface JournalRecord {
  readonly version: 3
  readonly state: JournalState
  readonly table: string
  /** The drain's identity (drain-identity): every output's footer carries it. */
  readonly drain: string
  readonly files: readonly JournalFile[]
  /** The output root, absolute (a path, or an s3:// URL). */
  readonly out: string
  readonly outputs: readonly JournalOutput[]
  /** The Iceberg table the outputs are committed to (outputs then lie under its location, `out`). */
  readonly iceberg?: JournalIceberg
}

export interface JournalIceberg {
  /** The catalog's URL (no secret). */
  readonly catalog: string
  readonly namespace: readonly string[]
  readonly table: string
  readonly tableUuid: string
  /** The table's location as the catalog spells it. */
  readonly location: string
  /** Unique to this commit: the snapshot that made it carries it in its summary. */
  readonly commitId: string
  /** Every attempt at the commit, recorded before its files were written or its request sent. */
  readonly attempts: readonly AppendAttempt[]
}

export type JournalResolution = 'rolled-forward' | 'rolled-back' | 'kept'

const STATES: readonly string[] = ['held', 'writing', 'durable']
/** An S3 upload id: printable ASCII, no spaces. */
const PARTIAL_NAME = /^[\x21-\x7e]{1,1024}$/

/** The journal of `directory`, checked; undefined when there is none. Throws JournalError when it cannot be trusted. */
export async function readJournal(directory: string, table: string): Promise<JournalRecord | undefined> {
  const text = await readTrusted(join(directory, JOURNAL_FILE))
  if (text === undefined) return undefined
  const record = parse(join(directory, JOURNAL_FILE), text)
  const problem = checkRecord(record, table)
  if (problem) throw new JournalError(join(directory, JOURNAL_FILE), problem)
  return record as JournalRecord
}

export function parse(path: string, text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new JournalError(path, `not JSON (${(error as Error).message})`)
  }
}

/** Says what is wrong with a parsed journal, or undefined when bufctl could have written it for `table`. */
export function checkRecord(value: unknown, table: string, states: readonly string[] = STATES): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object'
  const record = value as Record<string, unknown>
  if (record.version !== 3) return `unknown version ${JSON.stringify(record.version)}`
  if (typeof record.state !== 'string' || !states.includes(record.state)) return `unknown state ${JSON.stringify(record.state)}`
  if (typeof record.out !== 'string' || !(isAbsolute(record.out) || record.out.startsWith('s3://'))) return 'the output root is not an absolute path or s3:// URL'
  if (!Array.isArray(record.files) || !Array.isArray(record.outputs)) return 'files or outputs missing'
  if (typeof record.drain !== 'string' || !/^[0-9a-f]{32}$/.test(record.drain)) return 'no drain identity'
  for (const file of record.files as unknown[]) {
    const entry = file as Partial<JournalFile> | null
    if (typeof entry?.name !== 'string' || pendingSequence(entry.name) === undefined) return `${JSON.stringify(entry?.name)} is not a pending file name`
    if (!Number.isSafeInteger(entry.bytes) || entry.bytes! < 0 || typeof entry.mtimeMs !== 'number' || typeof entry.quarantine !== 'boolean') {
      return `the entry for ${entry.name} is incomplete`
    }
  }
  const icebergProblem = record.iceberg === undefined ? undefined : checkIceberg(record.iceberg, record.out)
  if (icebergProblem) return icebergProblem
  const prefix = record.iceberg === undefined ? `${tableDirectoryName(table)}/data/` : 'data/'
  for (const output of record.outputs as unknown[]) {
    const entry = output as Partial<JournalOutput> | null
    const path = entry?.path
    if (typeof path !== 'string' || !path.startsWith(prefix) || posix.normalize(path) !== path || path.split('/').includes('..')) {
      return `output ${JSON.stringify(path)} does not lie under ${prefix} of the output root`
    }
    if (!OUTPUT_NAME_PATTERN.test(posix.basename(path))) return `output ${path} is not named as bufctl names outputs`
    if (!Number.isSafeInteger(entry!.rows) || entry!.rows! < 0) return `output ${path} has no row count`
    if (entry!.bytes !== undefined && (!Number.isSafeInteger(entry!.bytes) || entry!.bytes < 0)) return `output ${path} has an impossible size`
    if (entry!.partials !== undefined && (!Array.isArray(entry!.partials) || !entry!.partials.every((id) => typeof id === 'string' && PARTIAL_NAME.test(id)))) {
      return `output ${path} lists partial uploads that are not upload ids`
    }
  }
  if (record.state !== 'held' && record.outputs.length === 0) return `a ${record.state} journal without outputs`
  return undefined
}

const SNAPSHOT_ID = /^[1-9][0-9]{0,18}$/
/** The files of an attempt, as drain-append names them: a manifest and a manifest list. */
const ATTEMPT_FILE = /^metadata\/(?:[0-9a-f-]{36}-m0|snap-\d{1,19}-\d{1,6}-[0-9a-f-]{36})\.avro$/

/** What is wrong with a journal's Iceberg part, or undefined. */
function checkIceberg(value: unknown, out: string): string | undefined {
  const iceberg = value as Partial<JournalIceberg> | null
  if (typeof iceberg !== 'object' || iceberg === null) return 'its Iceberg part is not an object'
  if (typeof iceberg.catalog !== 'string' || !/^(https?|file):/i.test(iceberg.catalog)) return 'its Iceberg catalog is not an http(s) or file URL'
  if (!Array.isArray(iceberg.namespace) || !iceberg.namespace.every((level) => typeof level === 'string') || typeof iceberg.table !== 'string')
    return 'its Iceberg table is not named'
  if (typeof iceberg.tableUuid !== 'string' || typeof iceberg.location !== 'string') return "its Iceberg table's identity is missing"
  if (rootOf(iceberg.location) !== out) return "its output root is not its Iceberg table's location"
  if (typeof iceberg.commitId !== 'string' || !/^[0-9a-f]{32}$/.test(iceberg.commitId)) return 'its Iceberg commit id is not one bufctl makes'
  if (!Array.isArray(iceberg.attempts)) return 'its Iceberg attempts are missing'
  for (const attempt of iceberg.attempts as unknown[]) {
    const entry = attempt as Partial<AppendAttempt> | null
    if (typeof entry?.snapshot !== 'string' || !SNAPSHOT_ID.test(entry.snapshot)) return 'an Iceberg attempt names no snapshot id'
    if (entry.parent !== null && (typeof entry.parent !== 'string' || !SNAPSHOT_ID.test(entry.parent))) return 'an Iceberg attempt names an impossible parent'
    if (typeof entry.manifest !== 'string' || !ATTEMPT_FILE.test(entry.manifest) || typeof entry.list !== 'string' || !ATTEMPT_FILE.test(entry.list)) {
      return 'an Iceberg attempt names files bufctl does not write'
    }
  }
  return undefined
}

/** The output root of a table location, or undefined for one bufctl does not write to. */
function rootOf(location: string): string | undefined {
  try {
    return locationRoot(location)
  } catch {
    return undefined
  }
}

export async function writeJournal(directory: string, record: JournalRecord): Promise<void> {
  await writeFileAtomically(join(directory, JOURNAL_FILE), new TextEncoder().encode(JSON.stringify(record, null, 2)))
}

export async function removeJournal(directory: string): Promise<void> {
  await removeIfExists(join(directory, JOURNAL_FILE))
  await fsyncDirectory(directory)
}

/** Moves an untrusted bookkeeping file aside, where no run reads it again; returns its new path. */
export async function setAside(directory: string, name: string = JOURNAL_FILE): Promise<string> {
  const target = join(directory, `${name.replace(/\.json$/, '')}.rejected-${new Date().toISOString().replaceAll(':', '')}-${randomBytes(3).toString('hex')}.json`)
  await rename(join(directory, name), target)
  await fsyncDirectory(directory)
  return target
}
