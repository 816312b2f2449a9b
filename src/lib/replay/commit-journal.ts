/**
 * The commit journal that makes flush and recover exactly-once. Before any output is written, the
 * journal records which pending files a drain covers and which outputs it will write, under which
 * output root. Once every output is durable the journal says so; only then are pending files
 * removed. A run that finds a journal left by a crash first finishes that commit (outputs durable:
 * remove the files) or undoes it (outputs not all durable: remove the outputs), so no row is
 * written twice — against the output root the journal names, whatever the new run was given.
 */
import { readFile, stat } from 'node:fs/promises'
import { join, sep } from 'node:path'
import { JournalError } from '../errors.js'
import { fsyncDirectory, removeIfExists, writeFileAtomically } from '../fs-util.js'
import { JOURNAL_FILE } from '../format/table-directory.js'
import { LocalSink } from '../sink/local-sink.js'
import type { OutputSink } from '../sink/output-sink.js'
import { moveToQuarantine } from '../buffer/quarantine.js'

export interface JournalRecord {
  readonly version: 2
  readonly drainId: string
  /** `writing`: outputs may be partial. `durable`: every output is written and synced. */
  readonly state: 'writing' | 'durable'
  /** The pending files the drain covers, with what identifies this very file. */
  readonly files: readonly JournalFile[]
  /** Those of `files` that go to quarantine instead of being deleted (salvaged, damaged). */
  readonly quarantine: readonly string[]
  /** The output root (absolute). */
  readonly out: string
  /** Outputs, relative to `out`. */
  readonly outputs: readonly string[]
}

export interface JournalFile {
  readonly name: string
  readonly bytes: number
  readonly mtimeMs: number
}

export type JournalResolution = 'rolled-forward' | 'rolled-back'

/** bufctl 0.1 recorded absolute output paths and no root. */
interface JournalRecordV1 extends Omit<JournalRecord, 'version' | 'out'> {
  readonly version: 1
}

export async function readJournal(directory: string): Promise<JournalRecord | undefined> {
  const path = join(directory, JOURNAL_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  try {
    const record = JSON.parse(text) as JournalRecord | JournalRecordV1
    if (![1, 2].includes(record.version) || !Array.isArray(record.files) || !Array.isArray(record.outputs) || !Array.isArray(record.quarantine)) {
      throw new Error('unexpected content')
    }
    if (record.version === 2) return record
    return { ...record, version: 2, out: sep, outputs: record.outputs.map((output: string) => output.slice(1)) }
  } catch (error) {
    throw new JournalError(path, error instanceof Error ? error.message : String(error))
  }
}

export async function writeJournal(directory: string, record: JournalRecord): Promise<void> {
  await writeFileAtomically(join(directory, JOURNAL_FILE), new TextEncoder().encode(JSON.stringify(record, null, 2)))
}

export async function removeJournal(directory: string): Promise<void> {
  await removeIfExists(join(directory, JOURNAL_FILE))
  await fsyncDirectory(directory)
}

/**
 * Completes the covered files' commit: quarantined ones are moved, the others removed — each only
 * if it is still the file the drain read (same size and modification time), so a newer file that
 * reuses a name is never touched.
 */
export async function commitFiles(directory: string, files: readonly JournalFile[], quarantine: readonly string[]): Promise<void> {
  const moved = new Set(quarantine)
  for (const file of files) {
    const path = join(directory, file.name)
    const info = await stat(path).catch(() => undefined)
    if (!info || info.size !== file.bytes || info.mtimeMs !== file.mtimeMs) continue
    if (moved.has(file.name)) await moveToQuarantine(directory, file.name)
    else await removeIfExists(path)
  }
  await fsyncDirectory(directory)
}

/** The sink a journal's outputs live in. */
export function journalSink(record: JournalRecord): OutputSink {
  return new LocalSink(record.out)
}

/** Finishes or undoes the commit a journal describes, then removes the journal. */
export async function resolveJournal(directory: string, record: JournalRecord): Promise<JournalResolution> {
  const sink = journalSink(record)
  if (record.state === 'durable' && (await allExist(sink, record.outputs))) {
    await commitFiles(directory, record.files, record.quarantine)
    await removeJournal(directory)
    return 'rolled-forward'
  }
  for (const output of record.outputs) await sink.remove(output)
  await removeJournal(directory)
  return 'rolled-back'
}

/** Resolves the journal a crash left in `directory`, if there is one. */
export async function resolveInterruptedCommit(directory: string): Promise<JournalResolution | undefined> {
  const journal = await readJournal(directory)
  return journal && resolveJournal(directory, journal)
}

async function allExist(sink: OutputSink, outputs: readonly string[]): Promise<boolean> {
  for (const output of outputs) if ((await sink.size(output)) === undefined) return false
  return true
}
