/**
 * A table's drain is committed in parts of whole pending files, each its own exactly-once commit
 * (journal, outputs, read-back, files removed): a run stopped by Ctrl-C or a failure keeps every
 * part it finished, and the next run starts where it stopped. A part holds about one full output
 * file per encoder (--target-file-size × --jobs of Arrow data), so outputs are as large as one
 * commit of everything would make them; a file larger than that is a part of its own.
 */
export function commitParts<T extends { readonly bytes: number }>(files: readonly T[], partBytes: number): T[][] {
  const parts: T[][] = []
  let current: T[] = []
  let bytes = 0
  for (const file of files) {
    if (current.length > 0 && bytes + file.bytes > partBytes) {
      parts.push(current)
      current = []
      bytes = 0
    }
    current.push(file)
    bytes += file.bytes
  }
  if (current.length > 0) parts.push(current)
  return parts
}

/** Arrow bytes of one part: a full output for each encoder. */
export function partBytes(targetFileBytes: number, encoders: number): number {
  return targetFileBytes * Math.max(1, encoders)
}
