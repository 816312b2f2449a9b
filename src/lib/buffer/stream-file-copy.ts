/**
 * How ingest appends: a checked IPC stream — a whole file, copied by the kernel (copy_file_range or
 * a reflink), or the stream inside an IPC file, copied range by range — written to a temporary
 * name in the table directory (created exclusively, never through a link), completed with an
 * end-of-stream marker and synced there, ready to be renamed in as the next pending file.
 */
import { constants } from 'node:fs'
import { copyFile, open, stat } from 'node:fs/promises'
import { writeFully } from '../fs-util.js'
import { matchOwner } from '../ownership.js'
import { END_OF_STREAM } from '../format/ipc-framing.js'
import type { StreamFileSource } from './record-store.js'

const CHUNK_BYTES = 4 * 1024 * 1024

export async function copyStreamFile(source: StreamFileSource, target: string, fsync: boolean): Promise<void> {
  const whole = source.start === 0 && source.end === (await stat(source.path)).size
  if (whole) await copyFile(source.path, target, constants.COPYFILE_EXCL)
  const handle = await open(target, whole ? constants.O_WRONLY | constants.O_NOFOLLOW : constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644)
  try {
    await matchOwner(target)
    if (!whole) await copyRange(source, handle)
    const size = source.end - source.start
    if (!source.endOfStream) await writeFully(handle, END_OF_STREAM, size)
    if (fsync) await handle.sync()
  } finally {
    await handle.close()
  }
}

async function copyRange(source: StreamFileSource, target: import('node:fs/promises').FileHandle): Promise<void> {
  const input = await open(source.path, 'r')
  try {
    const buffer = new Uint8Array(Math.min(CHUNK_BYTES, Math.max(1, source.end - source.start)))
    for (let at = source.start; at < source.end;) {
      const { bytesRead } = await input.read(buffer, 0, Math.min(buffer.byteLength, source.end - at), at)
      if (bytesRead === 0) throw new Error(`${source.path} ended at byte ${at}, before ${source.end}`)
      await writeFully(target, buffer.subarray(0, bytesRead), at - source.start)
      at += bytesRead
    }
  } finally {
    await input.close()
  }
}
