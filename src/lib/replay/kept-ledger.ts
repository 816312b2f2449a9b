/**
 * `<table>/bufctl-kept.json`: the commits made with --keep. Their pending files stay in place, but
 * their rows are already written; the ledger says where. A later flush or recover removes those
 * files without writing them again (once it has read every output back), and a later --keep run
 * leaves them alone. The exporter knows nothing of it: started on such a table, it would write
 * those rows again (the README says so, and status warns).
 */
import { join } from 'node:path'
import { JournalError } from '../errors.js'
import { removeIfExists, writeFileAtomically } from '../fs-util.js'
import { KEPT_LEDGER_FILE } from '../format/table-directory.js'
import { readTrusted } from '../fs-util.js'
import { checkRecord, parse, type JournalFile, type JournalOutput } from './commit-journal.js'

export interface KeptCommit {
  readonly drain: string
  readonly out: string
  readonly files: readonly JournalFile[]
  readonly outputs: readonly JournalOutput[]
}

export interface KeptLedger {
  readonly version: 3
  readonly table: string
  readonly kept: readonly KeptCommit[]
}

/** The ledger of `directory`, checked like a journal; undefined when there is none. */
export async function readKeptLedger(directory: string, table: string): Promise<KeptLedger | undefined> {
  const path = join(directory, KEPT_LEDGER_FILE)
  const text = await readTrusted(path)
  if (text === undefined) return undefined
  const ledger = parse(path, text) as Partial<KeptLedger> | null
  if (ledger?.version !== 3 || !Array.isArray(ledger.kept)) throw new JournalError(path, 'not a ledger of kept commits')
  for (const commit of ledger.kept) {
    const problem = checkRecord({ version: 3, state: 'durable', ...commit }, table)
    if (problem) throw new JournalError(path, problem)
  }
  return ledger as KeptLedger
}

/**
 * Written whole after each kept part: a --keep drain of 50,000 files writes it ten times, the last
 * time 50,000 files long. So it is not indented, and it is written a commit at a time, never held
 * as one text (4.6 MB, and as much again as bytes, at the drain's peak).
 */
export async function writeKeptLedger(directory: string, ledger: KeptLedger): Promise<void> {
  if (ledger.kept.length === 0) return removeIfExists(join(directory, KEPT_LEDGER_FILE))
  await writeFileAtomically(join(directory, KEPT_LEDGER_FILE), ledgerText(ledger))
}

/** JSON.stringify(ledger), a commit at a time. */
function* ledgerText(ledger: KeptLedger): Generator<Uint8Array> {
  const { kept, ...head } = ledger
  yield Buffer.from(`${JSON.stringify(head).slice(0, -1)},"kept":[`)
  for (const [index, commit] of kept.entries()) yield Buffer.from(`${index === 0 ? '' : ','}${JSON.stringify(commit)}`)
  yield Buffer.from(']}')
}
