/**
 * Who holds a table directory's flock, without disturbing the holder. On Linux, /proc/locks lists
 * every flock with the holder's PID and the file's device and inode, so the exporter's own lock
 * attempts never fail because bufctl looked.
 */
import { fstatSync, readFileSync } from 'node:fs'

/** The PID holding a flock on the file open at `fd`, from /proc/locks (Linux); undefined elsewhere. */
export function holderOf(fd: number): number | undefined {
  try {
    const { dev, ino } = fstatSync(fd)
    return findFlockHolder(readFileSync('/proc/locks', 'utf8'), dev, ino)
  } catch {
    return undefined
  }
}

/**
 * Finds the holder of a flock in the text of /proc/locks, whose lines read
 * `1: FLOCK  ADVISORY  WRITE 2284 fe:00:2146411 0 EOF` (device as hex major:minor, then inode);
 * lines with `->` are blocked waiters, not holders.
 */
export function findFlockHolder(procLocks: string, dev: number, ino: number): number | undefined {
  const major = Math.floor(dev / 256) & 0xfff
  const minor = (dev & 0xff) | (Math.floor(dev / 4096) & 0xfff00)
  for (const line of procLocks.split('\n')) {
    const fields = line.trim().split(/\s+/)
    if (fields[1] !== 'FLOCK' || fields[2] === '->') continue
    const [devMajor, devMinor, inode] = (fields[5] ?? '').split(':')
    if (Number(inode) === ino && parseInt(devMajor ?? '', 16) === major && parseInt(devMinor ?? '', 16) === minor) return Number(fields[4])
  }
  return undefined
}
