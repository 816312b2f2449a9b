/**
 * `<table>/quarantine/`: where recover keeps input it could not write whole — files with no
 * complete batch, and damaged originals whose complete batches it salvaged. Nothing is deleted;
 * the exporter ignores sub-directories.
 */
import { access, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { fsyncDirectory } from '../fs-util.js'
import { makeDirectory } from '../ownership.js'
import { QUARANTINE_DIR } from '../format/table-directory.js'

/**
 * Moves a file into `<table>/quarantine/`, never over an earlier one of the same name; returns
 * the new path, or undefined when the file is already gone.
 */
export async function moveToQuarantine(directory: string, name: string): Promise<string | undefined> {
  const source = join(directory, name)
  if (!(await exists(source))) return undefined
  const quarantine = join(directory, QUARANTINE_DIR)
  await makeDirectory(quarantine)
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
