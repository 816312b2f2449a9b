/**
 * A table's drain is committed in parts of whole pending files, each its own exactly-once commit
 * (journal, outputs, read-back, files removed): a run stopped by Ctrl-C or a failure keeps every
 * part it finished, and the next run starts where it stopped. A part holds about one full output
 * file per encoder (--target-file-size × --jobs of Arrow data), so outputs are as large as one
 * commit of everything would make them; a file larger than that is a part of its own.
 */
export function commitParts<T extends { readonly bytes: number }>(files: readonly T[], partBytes: number): T[][] {
  const parts: T[][] = []
  const opensPart = partCutter(
    partBytes,
    files.reduce((sum, file) => sum + file.bytes, 0),
  )
  for (const file of files) {
    if (opensPart(file.bytes)) parts.push([])
    parts.at(-1)!.push(file)
  }
  return parts
}

/**
 * What is left of a drain may join the part before it instead of opening one of its own when it
 * is at most this share of a part. Each part is a commit of its own (journal, holds, read-back, a
 * release of every file): a backlog of 5,000 files of 512.1 MiB, just over one part, spent ~0.1 s
 * of its 3.5 s on a second part of 4 files.
 */
const REMAINDER_SHARE = 1 / 16

/**
 * The rule commitParts cuts by, told one file at a time in drain order: whether a file of these
 * bytes opens a new part (the first file always does). `totalBytes`: the whole drain's, when
 * known, so that a small remainder stays in the last part (REMAINDER_SHARE).
 */
export function partCutter(partBytes: number, totalBytes = Infinity): (fileBytes: number) => boolean {
  let bytes = 0
  let seen = 0
  let started = false
  return (fileBytes) => {
    const rest = totalBytes - seen
    const opens = !started || (bytes + fileBytes > partBytes && rest > partBytes * REMAINDER_SHARE)
    if (opens) bytes = 0
    bytes += fileBytes
    seen += fileBytes
    started = true
    return opens
  }
}

/** Arrow bytes of one part: a full output for each encoder. */
export function partBytes(targetFileBytes: number, encoders: number): number {
  return targetFileBytes * Math.max(1, encoders)
}
