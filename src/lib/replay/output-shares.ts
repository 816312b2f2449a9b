/**
 * How a drain's outputs are shared among its encoders: the target file size, lowered so that a
 * small drain still gives every encoder a file of its own; lanes, so that the encoders' outputs are
 * planned side by side rather than one after another; and the drain size from which outputs are
 * written while they grow.
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

/** A drain's source, as far as its size goes: a stream in memory, or a file (with its size when known). */
type SizedSource = { readonly stream: Uint8Array } | { readonly path: string; readonly bytes?: number }

/** How a drain's sources are shared among its encoders. */
export interface DrainShares {
  /** The target file size, lowered so that a small drain still gives each encoder a file of its own. */
  readonly targetFileBytes: number
  /**
   * Each source's lane: contiguous runs of sources of near-equal size, planned side by side (one
   * source of each in turn) into outputs of their own, so that every encoder has an output from the
   * start. Planned one after another, 5,000 small files gave the second encoder its first piece only
   * once half of them were planned. All 0 when there is one encoder or the drain is small.
   */
  readonly lanes: readonly number[]
}

export async function shareOut(sources: readonly SizedSource[], targetFileBytes: number, encoders = 1): Promise<DrainShares> {
  const single = { targetFileBytes, lanes: sources.map(() => 0) }
  if (encoders <= 1) return single
  const sizes = await Promise.all(
    sources.map(async (source) => ('stream' in source ? source.stream.byteLength : (source.bytes ?? (await lstat(source.path).catch(() => undefined))?.size ?? 0))),
  )
  const total = sizes.reduce((sum, size) => sum + size, 0)
  const target = Math.min(targetFileBytes, Math.max(MIN_SHARE_BYTES, Math.ceil(total / encoders)))
  if (total < GROWING_OUTPUTS_FROM_BYTES || sources.length < encoders) return { targetFileBytes: target, lanes: single.lanes }
  const lanes: number[] = []
  const laneBytes = new Array<number>(encoders).fill(0)
  let before = 0
  for (const size of sizes) {
    const lane = Math.min(encoders - 1, Math.floor((before * encoders) / total))
    lanes.push(lane)
    laneBytes[lane]! += size
    before += size
  }
  // A lane over the target by part of its last file still makes one file, as a file passes the target by its last piece.
  return { targetFileBytes: Math.max(target, ...laneBytes), lanes }
}

/** The order to plan sources in: one of each lane in turn, each lane's in their own order. */
export function planningOrder(lanes: readonly number[]): number[] {
  // Lanes are contiguous, so they appear in order.
  const byLane = new Map<number, number[]>()
  lanes.forEach((lane, index) => {
    const indices = byLane.get(lane)
    if (indices) indices.push(index)
    else byLane.set(lane, [index])
  })
  const order: number[] = []
  for (let turn = 0; order.length < lanes.length; turn++) for (const indices of byLane.values()) if (turn < indices.length) order.push(indices[turn]!)
  return order
}
