/** The one place where failures become exit codes (DESIGN §3). */
import { BufctlError, type ErrorCode } from '../lib/errors.js'

export const EXIT_OK = 0
/** A threshold was exceeded, or some tables failed while the others were done. */
export const EXIT_PARTIAL = 1
/** Usage, configuration or bad input. */
export const EXIT_USAGE = 2
/** EX_TEMPFAIL: a directory is in use; cron should retry rather than page. */
export const EXIT_IN_USE = 75

const BY_CODE: Record<ErrorCode, number> = {
  LOCK_HELD: EXIT_IN_USE,
  LOCK_FAILED: EXIT_PARTIAL,
  SCHEMA_MISMATCH: EXIT_USAGE,
  NOT_EXPORTER_SHAPE: EXIT_USAGE,
  CORRUPT_STREAM: EXIT_USAGE,
  NOT_ARROW: EXIT_USAGE,
  INPUT_NOT_FOUND: EXIT_USAGE,
  INVALID_OPTIONS: EXIT_USAGE,
  STORE_CLOSED: EXIT_PARTIAL,
  STORE_WRITE: EXIT_PARTIAL,
  FLUSH_FAILED: EXIT_PARTIAL,
  BATCH_REJECTED: EXIT_PARTIAL,
  JOURNAL: EXIT_PARTIAL,
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof BufctlError) {
    // A flush that failed because a directory was locked is still "in use".
    if (error.cause instanceof BufctlError) return exitCodeFor(error.cause)
    return BY_CODE[error.code]
  }
  return EXIT_PARTIAL
}

/** Exit code of a run over several tables: failures outrank in-use, which outranks success. */
export function exitCodeForTables(failed: number, inUse: number): number {
  if (failed > 0) return EXIT_PARTIAL
  if (inUse > 0) return EXIT_IN_USE
  return EXIT_OK
}
