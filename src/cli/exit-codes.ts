/**
 * The one place where failures become exit codes (DESIGN §3), and every failure becomes one shape
 * of message: what happened, and what to do.
 *
 *   0  success                      2  usage, configuration, bad input, permission
 *   1  a threshold exceeded, a file that blocks the exporter, an interrupted commit, or some
 *      tables failed while the others were done
 *  70  an internal error of bufctl (EX_SOFTWARE)      75  a directory is in use, or the object
 *                                                         store cannot be reached (EX_TEMPFAIL)
 * 130  stopped by SIGINT                             143  stopped by SIGTERM
 */
import { Errors } from '@oclif/core'
import { BufctlError, InterruptedError, type ErrorCode } from '../lib/errors.js'
import { describeChain, explainSystemError, INTERNAL_HINT, type ErrorNote } from '../lib/usage-errors.js'

export const EXIT_OK = 0
export const EXIT_PARTIAL = 1
export const EXIT_USAGE = 2
export const EXIT_INTERNAL = 70
export const EXIT_IN_USE = 75
/** Not a bufctl command (as a shell's "command not found"). */
export const EXIT_NOT_FOUND = 127
export const EXIT_SIGINT = 130
export const EXIT_SIGTERM = 143

const BY_CODE: Record<ErrorCode, number> = {
  LOCK_HELD: EXIT_IN_USE,
  LOCK_FAILED: EXIT_PARTIAL,
  SCHEMA_MISMATCH: EXIT_USAGE,
  NOT_EXPORTER_SHAPE: EXIT_USAGE,
  CORRUPT_STREAM: EXIT_USAGE,
  NOT_ARROW: EXIT_USAGE,
  INPUT_NOT_FOUND: EXIT_USAGE,
  ROOT_NOT_FOUND: EXIT_USAGE,
  NOT_A_SPILL_ROOT: EXIT_USAGE,
  TABLE_NOT_FOUND: EXIT_USAGE,
  PERMISSION: EXIT_USAGE,
  INTERRUPTED: EXIT_SIGINT,
  INVALID_OPTIONS: EXIT_USAGE,
  STORE_CLOSED: EXIT_PARTIAL,
  STORE_WRITE: EXIT_PARTIAL,
  FLUSH_FAILED: EXIT_PARTIAL,
  BATCH_REJECTED: EXIT_PARTIAL,
  JOURNAL: EXIT_PARTIAL,
  OUTPUT_ROOT: EXIT_USAGE,
  ROLLBACK: EXIT_PARTIAL,
  OUTPUT_VERIFICATION: EXIT_PARTIAL,
  UNSUPPORTED_TYPE: EXIT_USAGE,
  UNWRITABLE_DATA: EXIT_PARTIAL,
  STORE_UNREACHABLE: EXIT_IN_USE,
  STORE_ACCESS: EXIT_USAGE,
  RESTORE_REFUSED: EXIT_USAGE,
  // Out of descriptors or disk space: a failure to look at, not a usage error nor a lock to wait for.
  SYSTEM_LIMIT: EXIT_PARTIAL,
  UNSAFE_ENTRY: EXIT_USAGE,
  CATALOG_UNREACHABLE: EXIT_IN_USE,
  CATALOG_ACCESS: EXIT_USAGE,
  CATALOG_CONFLICT: EXIT_IN_USE,
  TABLE_SCHEMA: EXIT_USAGE,
  CATALOG_OUTCOME_UNKNOWN: EXIT_IN_USE,
  CATALOG_REQUIRED: EXIT_USAGE,
}

/** A failure as bufctl shows it: on stderr as `Error:` and `Hint:` lines, under --json as this document. */
export interface ErrorDocument {
  readonly error: { readonly code: string; readonly message: string; readonly hint: string; readonly path: string }
  readonly exitCode: number
}

export function exitCodeForSignal(signal: string): number {
  return signal === 'SIGTERM' ? EXIT_SIGTERM : EXIT_SIGINT
}

export function exitCodeFor(error: unknown): number {
  const explained = explainSystemError(error) ?? error
  if (explained instanceof InterruptedError) return exitCodeForSignal(explained.signal)
  if (explained instanceof BufctlError) {
    // A flush that failed because a directory was locked is still "in use".
    if (explained.cause instanceof BufctlError) return exitCodeFor(explained.cause)
    return exitCodeOf(explained.code)
  }
  if (isUsageError(error)) return EXIT_USAGE
  return EXIT_INTERNAL
}

/**
 * The exit code of a failure by its code, as errors and the notes of reports carry it: bufctl's
 * own kinds by the table above, an operating-system errno (EIO…) 1, anything else (INTERNAL) 70.
 */
export function exitCodeOf(code: string): number {
  if (code in BY_CODE) return BY_CODE[code as ErrorCode]
  if (/^E[A-Z0-9]+$/.test(code)) return EXIT_PARTIAL
  return EXIT_INTERNAL
}

/** Any failure, in the one shape: bufctl's own errors, oclif's parse errors, and the unexpected. */
export function errorDocument(error: unknown, command: string): ErrorDocument {
  const exitCode = exitCodeFor(error)
  const explained = explainSystemError(error) ?? error
  if (explained instanceof BufctlError) return { error: { code: explained.code, message: explained.message, hint: explained.hint, path: explained.path }, exitCode }
  const text = error instanceof Error ? error.message : String(error)
  if (isUsageError(error)) return { error: { code: 'USAGE', message: usageMessage(text), hint: `see: bufctl ${command.replaceAll(':', ' ')} --help`.trim(), path: '' }, exitCode }
  return { error: { code: 'INTERNAL', message: firstLine(describeChain(error)), hint: INTERNAL_HINT, path: '' }, exitCode }
}

/** The document of a failure a report already describes (code, message, hint, path). */
export function errorDocumentOf(note: ErrorNote): ErrorDocument {
  return { error: { code: note.code, message: note.message, hint: note.hint, path: note.path }, exitCode: exitCodeOf(note.code) }
}

/** oclif's own errors about the command line: unknown flags, missing arguments, bad values. */
function isUsageError(error: unknown): boolean {
  if (!(error instanceof Errors.CLIError)) return false
  const exit = error.oclif.exit
  return exit === 2 || exit === undefined || exit === 1
}

/** The lines of a message, without ANSI colour or blank lines. */
function plainLines(text: string): string[] {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/\u001b\[[0-9;]*m/g, '')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0)
  )
}

/** An unexpected error's first line: the rest is internals. */
function firstLine(text: string): string {
  return plainLines(text)[0] ?? text.trim()
}

/**
 * oclif's message about the command line on one line, without its "See more help" tail: a bad
 * value says which flag on the first line and why on the next ("Parsing --jobs", "Expected an
 * integer greater than or equal to 1 but received: 0"), and both are needed.
 */
function usageMessage(text: string): string {
  const lines = plainLines(text).filter((line) => !/^See more help with --help$/.test(line))
  if (lines.length === 0) return text.trim()
  return lines.reduce((joined, line) => `${joined}${/[:.]$/.test(joined) ? ' ' : ': '}${line}`)
}

/**
 * Failures of an Iceberg table that say what to do with their own code: the catalog did not answer
 * or other writers kept committing first (try again later, 75), or it refused bufctl or the table
 * cannot take the rows (fix it, 2). Any other failed table is 1.
 */
const CATALOG_CODES: ReadonlySet<string> = new Set(['CATALOG_UNREACHABLE', 'CATALOG_ACCESS', 'CATALOG_CONFLICT', 'CATALOG_OUTCOME_UNKNOWN', 'CATALOG_REQUIRED', 'TABLE_SCHEMA'])

/** Exit codes of a run's tables, the most pressing first: a bug, a failure, a table to fix, one to retry later. */
const TABLE_EXIT_ORDER = [EXIT_INTERNAL, EXIT_PARTIAL, EXIT_USAGE, EXIT_IN_USE]

/**
 * Exit code of a run over several tables: a bug met in any table (70) outranks a failed table (1),
 * which outranks an Iceberg table to fix (2), which outranks one in use or a catalog to retry (75);
 * all done is 0.
 */
export function exitCodeForTables(tables: readonly { readonly status: string; readonly error?: ErrorNote }[]): number {
  const codes = tables.flatMap((table) => {
    if (table.status === 'in-use') return [EXIT_IN_USE]
    if (table.status !== 'failed') return []
    const code = table.error ? exitCodeOf(table.error.code) : EXIT_PARTIAL
    if (code === EXIT_INTERNAL) return [EXIT_INTERNAL]
    return [table.error && CATALOG_CODES.has(table.error.code) ? code : EXIT_PARTIAL]
  })
  return TABLE_EXIT_ORDER.find((code) => codes.includes(code)) ?? EXIT_OK
}
