/**
 * What ties a commit's outputs to its input: the drain's identity — the table directory's real
 * path and every drained file (name, size, modification time) — hashed, and written into the
 * footer of every output (`bufctl.drain`). A journal can be forged; an output's footer naming the
 * very files the journal lists can only come from bufctl having written those files. So bufctl
 * deletes input only once outputs that carry its drain are there, and deletes an output only
 * when it carries the drain being undone.
 */
import { createHash } from 'node:crypto'
import { realpath } from 'node:fs/promises'
import { bufctlVersion } from '../sink/bufctl-version.js'

/** The footer key that names the drain an output was written from. */
export const DRAIN_KEY = 'bufctl.drain'

export interface DrainedFile {
  readonly name: string
  readonly bytes: number
  readonly mtimeMs: number
}

export async function drainIdentity(directory: string, files: readonly DrainedFile[]): Promise<string> {
  const hash = createHash('sha256').update(await realpath(directory))
  for (const file of files) hash.update(`\0${file.name}\0${file.bytes}\0${file.mtimeMs}`)
  return hash.digest('hex').slice(0, 32)
}

/** The key-value metadata of every output of a drain: its drain, its table, and who wrote it. */
export function outputMetadata(drain: string, table: string): Record<string, string> {
  return { [DRAIN_KEY]: drain, 'bufctl.table': table, 'bufctl.version': bufctlVersion() }
}
