/**
 * How a drain's outputs are shared among its encoders: the target file size, lowered so that a
 * small drain still gives every encoder a file of its own, and the drain size from which outputs
 * are written while they grow.
 */
import { lstat } from 'node:fs/promises'

/** No output is cut smaller than this to share work: below it, starting a file costs more than it saves. */
const MIN_SHARE_BYTES = 8 * 1024 * 1024

/**
 * Drains of at least this many bytes have their outputs written while they grow (onOpen). A smaller
 * one may be a single output, which is encoded on the calling thread once planned, without starting
 * a thread (~0.2–0.5 s of CPU, more than planning so small a drain takes); a bigger one is cut into
 * several outputs, which go to threads anyway.
 */
export const GROWING_OUTPUTS_FROM_BYTES = 2 * MIN_SHARE_BYTES

/** The target file size (`targetFileBytes`), lowered so that a small drain still gives each of `encoders` a file of its own. */
/** A drain's source, as far as its size goes: a stream in memory, or a file (with its size when known). */
type SizedSource = { readonly stream: Uint8Array } | { readonly path: string; readonly bytes?: number }

export async function sharedTarget(sources: readonly SizedSource[], targetFileBytes: number, encoders = 1): Promise<number> {
  if (encoders <= 1) return targetFileBytes
  const sizes = await Promise.all(
    sources.map(async (source) => ('stream' in source ? source.stream.byteLength : (source.bytes ?? (await lstat(source.path).catch(() => undefined))?.size ?? 0))),
  )
  const total = sizes.reduce((sum, size) => sum + size, 0)
  return Math.min(targetFileBytes, Math.max(MIN_SHARE_BYTES, Math.ceil(total / encoders)))
}
