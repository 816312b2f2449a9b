/**
 * The errors about what the operator asked for — a spill root, a table, an input, an option, an
 * output root, a permission — part of the one error hierarchy of errors.ts. Each names the path
 * and says what to do; all exit 2 (cli/exit-codes.ts).
 */
import { existsSync } from 'node:fs'
import { isAbsolute } from 'node:path'
import { BufctlError, describe } from './errors.js'

/** A batch or file whose schema differs from the active stream it would be appended to. */
export class SchemaMismatchError extends BufctlError {
  readonly code = 'SCHEMA_MISMATCH'
  constructor(
    path: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `schema mismatch for ${path}: the table's active stream has ${expected}, this data has ${actual}`,
      path,
      'flush the table first (its active stream is sealed, and a new one takes the new schema), or convert the input to the existing schema',
    )
  }
}

/**
 * Input for one of the exporter's tables whose columns are not the exporter's: it joins batches by
 * column position and reads timestamps as microseconds, so such data breaks its flushes.
 */
export class ExporterShapeError extends BufctlError {
  readonly code = 'NOT_EXPORTER_SHAPE'
  constructor(
    path: string,
    readonly table: string,
    readonly column: number,
    readonly expected: string,
    readonly found: string,
  ) {
    super(
      `${path} does not have the exporter's ${table} shape: at column ${column + 1} the exporter writes ${expected}, this data has ${found}`,
      path,
      `convert the input to the exporter's columns (see bufctl's README), or pass --schema any to ingest it anyway (the exporter could then not flush this table)`,
    )
  }
}

/** Input that is not Arrow IPC (stream or file format) at all, or is empty. */
export class NotArrowError extends BufctlError {
  readonly code = 'NOT_ARROW'
  constructor(
    path: string,
    readonly reason: string,
  ) {
    super(`${path} is not an Arrow IPC stream or file: ${reason}`, path, 'pass an Arrow IPC stream (.arrows/.ipc) or Arrow IPC file (.arrow)')
  }
}

/** Valid Arrow that bufctl cannot write to Parquet (a union, a month-day-nano interval, big-endian, …). */
export class UnsupportedTypeError extends BufctlError {
  readonly code = 'UNSUPPORTED_TYPE'
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`, path, 'convert that column to a type Parquet takes (recover keeps such a file in quarantine/ and drains the rest of the table)')
  }
}

/** The spill root (--path) does not exist or is not a directory. */
export class RootNotFoundError extends BufctlError {
  readonly code = 'ROOT_NOT_FOUND'
  constructor(root: string, reason: string) {
    super(`spill root ${root} ${reason}`, root, 'check --path (or BUFCTL_PATH): it names the spill root, the directory that holds one sub-directory per table')
  }
}

/** --path names a table directory instead of the spill root above it. */
export class NotSpillRootError extends BufctlError {
  readonly code = 'NOT_A_SPILL_ROOT'
  constructor(root: string, parent: string) {
    super(`${root} is a table directory, not a spill root`, root, `use the directory above it: --path ${parent} (and --table to pick this table)`)
  }
}

/** A --table that the spill root does not have. */
export class TableNotFoundError extends BufctlError {
  readonly code = 'TABLE_NOT_FOUND'
  constructor(
    root: string,
    readonly table: string,
    available: readonly string[],
  ) {
    super(
      `no table directory ${table} in ${root}`,
      root,
      available.length ? `the tables in ${root} are: ${available.join(', ')}` : `${root} has no table directories yet; check --path`,
    )
  }
}

/** The operating system refused access to a file or directory. */
export class PermissionError extends BufctlError {
  readonly code = 'PERMISSION'
  constructor(path: string, cause?: unknown) {
    super(`permission denied: ${path}`, path, `run bufctl as a user who may read and write ${path} (the exporter's user, or root)`, { cause })
  }
}

/** An input path that does not exist or is not a regular file. */
export class InputNotFoundError extends BufctlError {
  readonly code = 'INPUT_NOT_FOUND'
  constructor(
    path: string,
    readonly reason: string,
    hint = 'check the path; pass `-` to read standard input',
  ) {
    super(`cannot read ${path}: ${reason}`, path, hint)
  }
}

/** Options rejected at construction: the name of the option stands in for the path. */
export class InvalidOptionsError extends BufctlError {
  readonly code = 'INVALID_OPTIONS'
  constructor(
    readonly option: string,
    detail: string,
    hint = `give ${option} a value as the command's --help describes it`,
  ) {
    super(`invalid option ${option}: ${detail}`, option, hint)
  }
}

/** The output root cannot take outputs: not a directory, not writable, or a link leading outside it. */
export class OutputRootError extends BufctlError {
  readonly code = 'OUTPUT_ROOT'
  constructor(root: string, reason: string, hint = 'give --out a directory you can write (it is created if missing)') {
    super(`cannot write Parquet under ${root}: ${reason}`, root, `${hint}; nothing in the spill root was changed`)
  }
}

/** bufctl's error for an operating-system error it knows how to explain, or undefined. */
export function explainSystemError(error: unknown, where = ''): BufctlError | undefined {
  const { code, path } = (error ?? {}) as NodeJS.ErrnoException
  if ((code === 'EACCES' || code === 'EPERM' || code === 'EROFS') && path) return new PermissionError(path, error)
  // A failed write names no path: the directory being worked on stands in for it.
  if (code !== undefined && code in LIMITS) return new SystemLimitError(code as SystemLimit, path ?? where, error)
  const unloadable = code === 'ERR_MODULE_NOT_FOUND' ? presentModule(error) : undefined
  if (unloadable) return new SystemLimitError('EMFILE', unloadable, error)
  return undefined
}

/**
 * The module a failed import names, when it is there after all: Node's module loader opens many
 * files at once and reports a file it could not open (out of descriptors, at a low `ulimit -n`)
 * as one it "cannot find".
 */
function presentModule(error: unknown): string | undefined {
  const named = /'([^']+)'/.exec(error instanceof Error ? error.message : '')?.[1]
  return named !== undefined && isAbsolute(named) && existsSync(named) ? named : undefined
}

/**
 * The machine ran out of something bufctl needs: open files, disk space, or the size a file may
 * have. Not bad input and not a bug: what was being committed was undone, and the same command
 * finishes once there is room.
 */
export class SystemLimitError extends BufctlError {
  readonly code = 'SYSTEM_LIMIT'
  constructor(
    readonly limit: SystemLimit,
    path: string,
    cause?: unknown,
  ) {
    const { what, room } = LIMITS[limit]
    super(path ? `${what}: ${path}` : what, path, `${room(path)}, then run the same command again: nothing was lost (an interrupted commit is finished or undone first)`, { cause })
  }
}

type SystemLimit = 'EMFILE' | 'ENFILE' | 'ENOSPC' | 'EDQUOT' | 'EFBIG'

const onDevice = (path: string) => (path ? ` on the device that holds ${path}` : '')
const LIMITS: Record<SystemLimit, { what: string; room: (path: string) => string }> = {
  EMFILE: { what: 'too many open files', room: () => 'raise the open-file limit (`ulimit -n`; bufctl needs about 128)' },
  ENFILE: { what: 'too many open files in the system', room: () => 'close files elsewhere, or raise the limits (`ulimit -n`, and fs.file-max for the system)' },
  ENOSPC: { what: 'no space left on the device', room: (path) => `free space${onDevice(path)}` },
  EDQUOT: { what: 'disk quota exceeded', room: (path) => `free space or raise the quota${onDevice(path)}` },
  EFBIG: { what: 'file too large', room: (path) => `raise the file-size limit (\`ulimit -f\`) or use a smaller --target-file-size${path ? ` for ${path}` : ''}` },
}

/** An error as a report carries it (JSON-ready): bufctl's own with its hint, anything else with a generic one. */
export interface ErrorNote {
  /** A BufctlError's code; an operating-system error's errno code (EIO…); `INTERNAL` for anything else: a bug in bufctl. */
  readonly code: string
  readonly message: string
  readonly hint: string
  readonly path: string
  /** The stack and every cause's, when BUFCTL_DEBUG is set (for a bug report). */
  readonly debug?: string
}

export const INTERNAL_HINT = 'this is a bug in bufctl; please report it with the command you ran and BUFCTL_DEBUG=1 output (the spill root was left as the journal says)'

export function describeError(caught: unknown, directory: string): ErrorNote {
  const error = explainSystemError(caught, directory) ?? caught
  const debug = process.env.BUFCTL_DEBUG ? debugText(caught) : undefined
  if (error instanceof BufctlError) return { code: error.code, message: error.message, hint: error.hint, path: error.path, debug }
  const message = `${directory}: ${describeChain(error)}`
  const errno = (error as NodeJS.ErrnoException | undefined)?.code
  if (typeof errno === 'string' && /^E[A-Z0-9]+$/.test(errno)) {
    return { code: errno, message, hint: 'the operating system refused (see the message); the table was left as it was: fix the cause and run again', path: directory, debug }
  }
  return { code: 'INTERNAL', message, hint: INTERNAL_HINT, path: directory, debug }
}

/** A message with its causes: "what failed: because …". */
export function describeChain(error: unknown): string {
  const parts: string[] = []
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const text = describe(current)
    if (!parts.some((part) => part.includes(text))) parts.push(text)
  }
  return parts.join(': because ')
}

/** Every stack of an error and its causes. */
export function debugText(error: unknown): string {
  const parts: string[] = []
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 10; current = (current as { cause?: unknown }).cause, depth++) {
    parts.push(current instanceof Error ? (current.stack ?? current.message) : describe(current))
  }
  return parts.join('\ncaused by: ')
}
