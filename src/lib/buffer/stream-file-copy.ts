/**
 * Ingest's fast path: a whole, checked IPC stream file copied by the kernel (copy_file_range or a
 * reflink) to a temporary name in the table directory, completed and synced there, ready to be
 * renamed in as the next pending file.
 */
import { copyFile, open } from 'node:fs/promises'
import { writeFully } from '../fs-util.js'
import { matchOwner } from '../ownership.js'
import { END_OF_STREAM } from '../format/ipc-framing.js'

export async function copyStreamFile(source: string, target: string, options: { readonly addEndOfStream: boolean; readonly fsync: boolean }): Promise<void> {
  await copyFile(source, target)
  await matchOwner(target)
  if (!options.addEndOfStream && !options.fsync) return
  const handle = await open(target, 'r+')
  try {
    if (options.addEndOfStream) await writeFully(handle, END_OF_STREAM, (await handle.stat()).size)
    if (options.fsync) await handle.sync()
  } finally {
    await handle.close()
  }
}
