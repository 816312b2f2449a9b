/**
 * A table's drain is committed in parts of whole pending files, each its own exactly-once commit
 * (journal, outputs, read-back, files removed): a run stopped by Ctrl-C or a failure keeps every
 * part it finished, and the next run starts where it stopped. A part holds about one full output
 * file per encoder (--target-file-size × --jobs of Arrow data), so outputs are as large as one
 * commit of everything would make them; a file larger than that is a part of its own.
 */
export function commitParts<T extends { readonly bytes: number }>(files: readonly T[], partBytes: number): T[][] {
  const parts: T[][] = []
  const opensPart = partCutter(partBytes)
  for (const file of files) {
    if (opensPart(file.bytes)) parts.push([])
    parts.at(-1)!.push(file)
  }
  return parts
}

/**
 * The rule commitParts cuts by, told one file at a time in drain order: whether a file of these
 * bytes opens a new part (the first file always does).
 */
export function partCutter(partBytes: number): (fileBytes: number) => boolean {
  let bytes = 0
  let started = false
  return (fileBytes) => {
    const opens = !started || bytes + fileBytes > partBytes
    if (opens) bytes = 0
    bytes += fileBytes
    started = true
    return opens
  }
}

/** Arrow bytes of one part: a full output for each encoder. */
export function partBytes(targetFileBytes: number, encoders: number): number {
  return targetFileBytes * Math.max(1, encoders)
}
