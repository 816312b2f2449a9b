/** Whether row `index` of an Arrow column chunk holds a value (its validity bit is set, or it has no nulls). */
import type { Data } from 'apache-arrow'

export function isValidRow(data: Data, index: number): boolean {
  const bitmap = data.nullBitmap as Uint8Array | undefined
  if (!bitmap || bitmap.byteLength === 0 || data.nullCount === 0) return true
  const bit = data.offset + index
  return (bitmap[bit >> 3]! & (1 << (bit & 7))) !== 0
}
