/**
 * Who owns what bufctl creates in a spill directory. The exporter runs as its own user and creates
 * directories 0750 and `.lock` 0600; bufctl often runs as root (cron, a systemd ExecStartPre=).
 * When root creates a file or directory inside a directory another user owns, it hands it to that
 * directory's owner and group, so the exporter can still open everything afterwards.
 */
import { fchownSync, statSync } from 'node:fs'
import { chown, mkdir, stat } from 'node:fs/promises'
import { dirname } from 'node:path'

/** The exporter's modes (before the umask). */
export const DIRECTORY_MODE = 0o750
export const LOCK_FILE_MODE = 0o600

function runningAsRoot(): boolean {
  return process.getuid?.() === 0
}

/** When running as root, gives `path` the owner and group of the directory `like` (when that is not root's). */
export async function matchOwner(path: string, like: string = dirname(path)): Promise<void> {
  if (!runningAsRoot()) return
  const { uid, gid } = await stat(like)
  if (uid !== 0 || gid !== 0) await chown(path, uid, gid)
}

/** matchOwner for a file descriptor just created, synchronously (the lock is taken synchronously). */
export function matchOwnerOfDescriptor(fd: number, like: string): void {
  if (!runningAsRoot()) return
  const { uid, gid } = statSync(like)
  if (uid !== 0 || gid !== 0) fchownSync(fd, uid, gid)
}

/** Creates a directory (and missing parents) 0750, each new one owned as its parent is. */
export async function makeDirectory(path: string): Promise<void> {
  const first = await mkdir(path, { recursive: true, mode: DIRECTORY_MODE })
  if (first === undefined) return
  // mkdir reports the first directory it created; every one below it is new too.
  for (let created = path; created.length >= first.length; created = dirname(created)) {
    await matchOwner(created)
    if (created === first) break
  }
}
