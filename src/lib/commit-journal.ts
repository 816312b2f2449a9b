/**
 * The commit journal that makes flush and recover exactly-once. Before any output is written, the
 * journal records which pending files a drain covers and which output paths it will write. Once
 * every output is durable the journal says so; only then are pending files removed. A run that
 * finds a journal left by a crash first finishes that commit (outputs durable: remove the files)
 * or undoes it (outputs not all durable: remove the outputs), so no row is written twice.
 */
import { access, mkdir, readFile, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { JournalError } from './errors.js'
import { fsyncDirectory, removeIfExists, temporaryPath, writeFileAtomically } from './fs-util.js'
import { QUARANTINE_DIR } from './spill-inspection.js'

/** A name the exporter ignores (it only reads active.ipc and pending-*.ipc). */
export const JOURNAL_FILE = 'bufctl-commit.json'

export interface JournalRecord {
  readonly version: 1
  readonly drainId: string
  /** `writing`: outputs may be partial. `durable`: every output is written and synced. */
  readonly state: 'writing' | 'durable'
  /** The pending files the drain covers, with what identifies this very file. */
  readonly files: readonly JournalFile[]
  /** Those of `files` that go to quarantine instead of being deleted (salvaged, damaged). */
  readonly quarantine: readonly string[]
  /** Absolute output paths. */
  readonly outputs: readonly string[]
}

export interface JournalFile {
  readonly name: string
  readonly bytes: number
  readonly mtimeMs: number
}

export type JournalResolution = 'rolled-forward' | 'rolled-back'

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
    const record = JSON.parse(text) as JournalRecord
    if (record.version !== 1 || !Array.isArray(record.files) || !Array.isArray(record.outputs) || !Array.isArray(record.quarantine)) throw new Error('unexpected content')
    return record
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

/** Finishes or undoes the commit a journal describes, then removes the journal. */
export async function resolveJournal(directory: string, record: JournalRecord): Promise<JournalResolution> {
  if (record.state === 'durable' && (await allExist(record.outputs))) {
    await commitFiles(directory, record.files, record.quarantine)
    await removeJournal(directory)
    return 'rolled-forward'
  }
  for (const output of record.outputs) {
    await removeIfExists(output)
    await removeIfExists(temporaryPath(output))
  }
  await removeJournal(directory)
  return 'rolled-back'
}

/**
 * Moves a file into `<table>/quarantine/`, never over an earlier one of the same name; returns
 * the new path. Nothing is deleted.
 */
export async function moveToQuarantine(directory: string, name: string): Promise<string | undefined> {
  const source = join(directory, name)
  if (!(await exists(source))) return undefined
  const quarantine = join(directory, QUARANTINE_DIR)
  await mkdir(quarantine, { recursive: true })
  let target = join(quarantine, name)
  for (let n = 1; await exists(target); n++) target = join(quarantine, `${name}.${n}`)
  await rename(source, target)
  await fsyncDirectory(quarantine)
  return target
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}

async function allExist(paths: readonly string[]): Promise<boolean> {
  for (const path of paths) if (!(await exists(path))) return false
  return true
}
