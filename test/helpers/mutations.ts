/** Seeded mutations of an Arrow IPC stream for the corruption fuzz: what disks and crashes do to files. */
import type { StreamScan } from '../../src/lib/format/index.js'

export type Mutation = { label: string; bytes: Uint8Array }

export function mutate(original: Uint8Array, scan: StreamScan, random: () => number): Mutation {
  const bytes = original.slice()
  const view = new DataView(bytes.buffer)
  const message = scan.messages[Math.floor(random() * scan.messages.length)]!
  const pick = (from: number, to: number) => from + Math.floor(random() * Math.max(1, to - from))
  switch (Math.floor(random() * 6)) {
    case 0: {
      const at = pick(message.metadataOffset, message.metadataOffset + message.metadataLength)
      bytes[at]! ^= 1 << Math.floor(random() * 8)
      return { label: `bit flip in metadata at ${at}`, bytes }
    }
    case 1: {
      const at = pick(message.metadataOffset + message.metadataLength, message.end)
      bytes[at]! ^= 1 << Math.floor(random() * 8)
      return { label: `bit flip in body at ${at}`, bytes }
    }
    case 2: {
      const value = random() < 0.5 ? 0x7fff_ff00 + Math.floor(random() * 255) : -1 - Math.floor(random() * 1000)
      view.setInt32(message.offset + 4, value, true)
      return { label: `metadata length at ${message.offset} set to ${value}`, bytes }
    }
    case 3: {
      // A 64-bit little-endian field inside the metadata (body length, row count, buffer sizes).
      const at = pick(message.metadataOffset, message.metadataOffset + message.metadataLength - 8)
      view.setBigInt64(at, random() < 0.5 ? 0x7fff_ffff_ffffn : -5n, true)
      return { label: `64-bit field at ${at} set huge or negative`, bytes }
    }
    case 4: {
      const from = pick(0, bytes.byteLength - 1)
      const length = 1 + Math.floor(random() * 64)
      return { label: `${length} bytes cut at ${from}`, bytes: new Uint8Array([...bytes.subarray(0, from), ...bytes.subarray(from + length)]) }
    }
    default: {
      const from = pick(0, bytes.byteLength - 16)
      for (let i = 0; i < 16; i++) bytes[from + i] = Math.floor(random() * 256)
      return { label: `16 random bytes at ${from}`, bytes }
    }
  }
}
