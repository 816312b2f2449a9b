/** A victim file outside the spill root, whose bytes a hostile case must leave unchanged. */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { tempDir } from './fs.js'

export interface Victim {
  readonly path: string
  readonly directory: string
  /** Fails the test when the victim's bytes changed or it is gone. */
  unchanged(label?: string): Promise<void>
}

export async function victim(t: TestContext, name = 'shadow'): Promise<Victim> {
  const directory = await tempDir(t, 'bufctl-victim-')
  const path = join(directory, name)
  const bytes = randomBytes(512)
  await writeFile(path, bytes, { mode: 0o600 })
  return {
    path,
    directory,
    unchanged: async (label = '') => assert.deepEqual(await readFile(path), bytes, `${label} the victim ${path} is unchanged`),
  }
}
