/**
 * A directory opened once and then acted on through its descriptor, as openat(2), unlinkat(2) and
 * renameat(2) would: every name is looked up inside the directory that was opened, whatever is
 * renamed, replaced or linked along its path afterwards. Node has no *at calls; Linux gives the
 * same through `/proc/self/fd/<fd>/<name>` (the descriptor's directory, then one name in it).
 * Names are single components, never followed when they are links (O_NOFOLLOW; unlink and rename
 * never follow a final link), and may be raw bytes (a name that is not UTF-8).
 */
import { closeSync, constants, existsSync, fstatSync, fsyncSync, lstatSync, openSync, readdirSync, renameSync, unlinkSync, type Stats } from 'node:fs'
import { join } from 'node:path'

export type EntryName = string | Buffer

/** Where this process's descriptors can be named as paths (Linux); elsewhere names go through the path, after an lstat check. */
const DESCRIPTOR_DIRECTORY = '/proc/self/fd'

/** The identity of a file: what must not have changed between looking at it and acting on it. */
export interface FileIdentity {
  readonly device: number
  readonly inode: number
}

export function identityOf(info: Stats): FileIdentity {
  return { device: info.dev, inode: info.ino }
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.device === b.device && a.inode === b.inode
}

export class PinnedDirectory {
  /** The path it was opened by (for messages; never used to reach it again). */
  readonly path: string
  readonly identity: FileIdentity
  readonly #fd: number
  readonly #byDescriptor: boolean

  private constructor(path: string, fd: number) {
    this.path = path
    this.#fd = fd
    this.identity = identityOf(fstatSync(fd))
    this.#byDescriptor = existsSync(`${DESCRIPTOR_DIRECTORY}/${fd}`)
  }

  /** Opens a directory the operator named (a link in its path is followed, as the operator wrote it, but not a link at its end). */
  static open(path: string): PinnedDirectory {
    return new PinnedDirectory(path, openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW))
  }

  /** A directory inside this one; undefined when there is none of that name. Throws ENOTDIR or ELOOP for anything else (a link, a file). */
  openDirectory(name: EntryName): PinnedDirectory | undefined {
    try {
      return new PinnedDirectory(join(this.path, display(name)), openSync(this.entry(name), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }

  /** A path that reaches `name` inside this very directory (to hand to functions that take a path). */
  entry(name: EntryName): string | Buffer {
    checkName(name)
    const base = this.#byDescriptor ? `${DESCRIPTOR_DIRECTORY}/${this.#fd}/` : `${this.path}/`
    return typeof name === 'string' ? base + name : Buffer.concat([Buffer.from(base), name])
  }

  /** The path this directory itself can be reached by, through its descriptor. */
  get handlePath(): string {
    return this.#byDescriptor ? `${DESCRIPTOR_DIRECTORY}/${this.#fd}` : this.path
  }

  /** Every name in the directory, as raw bytes (a name that is not UTF-8 stays exactly as it is). */
  names(): Buffer[] {
    return readdirSync(this.handlePath, { encoding: 'buffer' })
  }

  /** The entry's status without following a link; undefined when it is gone. */
  lstat(name: EntryName): Stats | undefined {
    try {
      return lstatSync(this.entry(name))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }

  /**
   * Removes `name` from this directory, only while it is still the file `expected` names (when
   * given): a file put in its place since it was looked at stays. Returns whether it was removed.
   */
  unlink(name: EntryName, expected?: FileIdentity): boolean {
    const info = this.lstat(name)
    if (!info || info.isDirectory()) return false
    if (expected && !sameIdentity(identityOf(info), expected)) return false
    try {
      unlinkSync(this.entry(name))
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw error
    }
  }

  /** Renames `name` here to `as` in `target` (another pinned directory on the same file system). */
  rename(name: EntryName, target: PinnedDirectory, as: EntryName): void {
    renameSync(this.entry(name), target.entry(as))
  }

  /** Makes renames and unlinks inside it durable. */
  sync(): void {
    fsyncSync(this.#fd)
  }

  close(): void {
    closeSync(this.#fd)
  }
}

/** Runs `task` with the directory pinned, closing it on every path. */
export async function withPinnedDirectory<T>(path: string, task: (directory: PinnedDirectory) => Promise<T> | T): Promise<T> {
  const directory = PinnedDirectory.open(path)
  try {
    return await task(directory)
  } finally {
    directory.close()
  }
}

/** A name as text: UTF-8 where it is, each byte that is not as `\xNN`. */
export function display(name: EntryName): string {
  if (typeof name === 'string') return name
  const text = name.toString('utf8')
  if (!text.includes('\uFFFD') || Buffer.from(text, 'utf8').equals(name)) return text
  let out = ''
  for (let at = 0; at < name.length;) {
    const length = utf8SequenceLength(name, at)
    if (length > 0) {
      out += name.subarray(at, at + length).toString('utf8')
      at += length
    } else {
      out += `\\x${name[at]!.toString(16).padStart(2, '0')}`
      at++
    }
  }
  return out
}

/** Length of the valid UTF-8 sequence at `at`, or 0 when the byte there does not start one. */
function utf8SequenceLength(bytes: Buffer, at: number): number {
  const first = bytes[at]!
  const length = first < 0x80 ? 1 : first >= 0xc2 && first < 0xe0 ? 2 : first >= 0xe0 && first < 0xf0 ? 3 : first >= 0xf0 && first < 0xf5 ? 4 : 0
  if (length === 0 || at + length > bytes.length) return 0
  const candidate = bytes.subarray(at, at + length)
  return Buffer.from(candidate.toString('utf8'), 'utf8').equals(candidate) ? length : 0
}

function checkName(name: EntryName): void {
  const text = typeof name === 'string' ? name : name.toString('latin1')
  if (text === '' || text === '.' || text === '..' || text.includes('/') || text.includes('\0')) throw new Error(`${JSON.stringify(text)} is not a single directory entry name`)
}
