/**
 * What a run does first in a table directory, under its lock:
 * - a commit journal a crash left: a durable commit whose outputs are all there with their rows
 *   goes forward (published, then finished: commit-protocol), any other is undone — always
 *   against the output root (or Iceberg table) the journal names, whatever this run was told;
 * - commits kept by --keep (kept-ledger): unless this run keeps too, remove their files, whose rows
 *   are written already (after reading every output back; outputs gone means the rows are written
 *   again, by this run).
 * A journal or ledger that cannot be trusted is set aside unread and the table is left as it is.
 */
import { JournalError } from '../errors.js'
import { JOURNAL_FILE, KEPT_LEDGER_FILE } from '../format/table-directory.js'
import { RunCatalogs } from '../iceberg/catalogs.js'
import type { OutputSinks } from '../sink/open-sink.js'
import { readJournal, removeJournal, setAside, type JournalRecord, type JournalResolution } from './commit-journal.js'
import { finishDurable, undo } from './commit-protocol.js'
import { directoryDestination, IcebergDestination, type Destination } from './destination.js'
import { finishFiles } from './held-files.js'
import { readKeptLedger, writeKeptLedger, type KeptCommit } from './kept-ledger.js'
import { verifyOutputs } from './output-verification.js'
import { drainIdentity } from './drain-identity.js'
import { join } from 'node:path'

export interface ResolvedCommit {
  /** `kept`: a --keep commit left as it is, because this run keeps too. */
  readonly resolution: JournalResolution
  /** The output root the commit wrote to. */
  readonly out: string
  /** Pending files the commit covered. */
  readonly files: number
  /** Why a commit whose outputs were complete was undone after all. */
  readonly reason?: string
}

export interface Resolution {
  readonly commits: readonly ResolvedCommit[]
  /** Kept commits this (keeping) run leaves as they are: their files are not to be drained again. */
  readonly kept: readonly KeptCommit[]
}

export interface ResolutionOptions {
  /** The run's sinks: a commit's outputs are reached through the one for the root it names. */
  readonly sinks: OutputSinks
  /** Kept commits stay kept. */
  readonly keep?: boolean
  /** The run's Iceberg catalog: a durable commit to a table is finished through it, and only it. */
  readonly catalogs?: RunCatalogs
}

/** Resolves whatever earlier runs left in `directory`. */
export async function resolveEarlierCommits(directory: string, table: string, options: ResolutionOptions): Promise<Resolution> {
  const commits: ResolvedCommit[] = []
  const journal = await trusted(directory, JOURNAL_FILE, () => readJournal(directory, table))
  if (journal) commits.push(await resolveJournal(directory, journal, options))
  const ledger = await trusted(directory, KEPT_LEDGER_FILE, () => readKeptLedger(directory, table))
  if (!ledger) return { commits, kept: [] }
  const stay: KeptCommit[] = []
  for (const commit of ledger.kept) {
    const done = (resolution: JournalResolution, reason?: string) => commits.push({ resolution, out: commit.out, files: commit.files.length, reason })
    if (commit.drain !== (await drainIdentity(directory, commit.files))) {
      await setAside(directory, KEPT_LEDGER_FILE)
      throw new JournalError(join(directory, KEPT_LEDGER_FILE), 'a kept commit does not match the files it names; it was set aside and nothing else was changed', {
        setAside: true,
      })
    }
    const failure = await verifyOutputs(options.sinks.open(commit.out), commit.outputs, commit.drain)
    // Outputs gone: the files never left, so forgetting the commit lets this run write them again.
    if (failure) done('rolled-back', `${failure.path}: ${failure.reason}`)
    else if (options.keep) {
      stay.push(commit)
      done('kept')
    } else {
      await finishFiles(directory, commit.files)
      done('rolled-forward')
    }
  }
  await writeKeptLedger(directory, { version: 3, table, kept: stay })
  return { commits, kept: stay }
}

/**
 * What resolveEarlierCommits would do, changing nothing (a dry run): a journal's commit is finished
 * when it is durable and its outputs hold their rows, undone otherwise; a kept commit likewise.
 */
export async function predictEarlierCommits(directory: string, table: string, options: ResolutionOptions): Promise<ResolvedCommit[]> {
  const predicted: ResolvedCommit[] = []
  const journal = await readJournal(directory, table)
  if (journal) {
    const failure = journal.state === 'durable' ? await verifyOutputs(options.sinks.open(journal.out), journal.outputs, journal.drain) : { path: '', reason: '' }
    const resolution = journal.state === 'durable' && !failure ? 'rolled-forward' : 'rolled-back'
    predicted.push({ resolution, out: journal.out, files: journal.files.length, reason: failure?.path ? `${failure.path}: ${failure.reason}` : undefined })
  }
  for (const commit of (await readKeptLedger(directory, table))?.kept ?? []) {
    const failure = await verifyOutputs(options.sinks.open(commit.out), commit.outputs, commit.drain)
    const resolution = failure ? 'rolled-back' : options.keep ? 'kept' : 'rolled-forward'
    predicted.push({ resolution, out: commit.out, files: commit.files.length, reason: failure && `${failure.path}: ${failure.reason}` })
  }
  return predicted
}

/** Reads a bookkeeping file; one that cannot be trusted is set aside and the table left alone. */
async function trusted<T>(directory: string, name: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read()
  } catch (error) {
    if (!(error instanceof JournalError)) throw error
    const aside = await setAside(directory, name).catch(() => undefined)
    const where = aside ? `it was moved to ${aside}` : 'it was left in place'
    throw new JournalError(error.path, `${error.reason}; ${where} and nothing else in this table was changed`, { setAside: aside !== undefined })
  }
}

async function resolveJournal(directory: string, record: JournalRecord, options: ResolutionOptions): Promise<ResolvedCommit> {
  const done = (resolution: JournalResolution, reason?: string): ResolvedCommit => ({ resolution, out: record.out, files: record.files.length, reason })
  // A journal whose drain is not the drain of the files it names was not written by bufctl for them.
  if (record.drain !== (await drainIdentity(directory, record.files))) {
    const aside = await setAside(directory)
    throw new JournalError(join(directory, JOURNAL_FILE), `its drain does not match the files it names; it was moved to ${aside} and nothing else was changed`, { setAside: true })
  }
  if (record.state === 'durable') {
    const destination = await destinationOf(directory, record, options)
    const failure = await verifyOutputs(destination.sink, record.outputs, record.drain)
    if (!failure) {
      await finishDurable(directory, record, destination)
      return done('rolled-forward')
    }
    // Outputs gone: the commit is undone — unless its destination holds it already, which no undo can take back.
    if ((await destination.withdraw(directory, record)) === 'published') {
      await finishFiles(directory, record.files)
      await removeJournal(directory)
      return done('rolled-forward', `published, though ${failure.path}: ${failure.reason}`)
    }
    await undo(directory, record, destination.sink)
    return done('rolled-back', `${failure.path}: ${failure.reason}`)
  }
  // Nothing was published before `durable`: no catalog is needed to undo.
  await undo(directory, record, options.sinks.open(record.out))
  return done('rolled-back')
}

/** Where a journal's commit went: the output root it names, or the Iceberg table (through this run's catalog, when it is the same). */
async function destinationOf(directory: string, record: JournalRecord, options: ResolutionOptions): Promise<Destination> {
  const { iceberg } = record
  if (!iceberg) return directoryDestination(options.sinks.open(record.out), record.table)
  const catalogs = options.catalogs ?? new RunCatalogs(undefined)
  const catalog = await catalogs.named(iceberg.catalog, directory, [...iceberg.namespace, iceberg.table].join('.'))
  return IcebergDestination.ofJournal(catalog, iceberg, options.sinks)
}
