/**
 * Avro object container files, as Iceberg's manifests and manifest lists are: the header (magic,
 * metadata with the schema, a sync marker), then blocks of records. Records are encoded and decoded
 * by avsc (a maintained Avro library); the header is written here, because avsc's encoder, given a
 * Type, writes the schema without the `field-id` properties Iceberg readers (pyiceberg, iceberg-go)
 * resolve fields by. Every file is written uncompressed (codec null), as one block.
 */
import { randomBytes } from 'node:crypto'
import avro from 'avsc'

const MAGIC = Buffer.from('Obj\x01', 'latin1')

const HEADER = avro.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
  ],
})
/** Avro longs as BigInt: snapshot ids and sequence numbers are 64-bit, usually above 2^53. */
const BIGINT_LONG = (avro.types.LongType as unknown as { __with(methods: object): avro.Type }).__with({
  fromBuffer: (buffer: Buffer) => buffer.readBigInt64LE(),
  toBuffer: (value: bigint | number) => {
    const buffer = Buffer.alloc(8)
    buffer.writeBigInt64LE(BigInt(value))
    return buffer
  },
  fromJSON: (value: number | string) => BigInt(value),
  toJSON: (value: bigint) => Number(value),
  isValid: (value: unknown) => typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value)),
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
})

/** A Type for a schema, longs as BigInt, unions unwrapped (as Iceberg's optional fields are written). */
function typeOf(schema: unknown): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, { wrapUnions: false, registry: { long: BIGINT_LONG } })
}

const LONG = typeOf('long')

/** An Avro file of `records` under `schema` (JSON with Iceberg's field ids), with `metadata` beside the schema. */
export function writeAvroFile(schema: object, records: readonly unknown[], metadata: Readonly<Record<string, string>>): Uint8Array {
  const type = typeOf(schema)
  const sync = randomBytes(16)
  const meta: Record<string, Buffer> = { 'avro.schema': Buffer.from(JSON.stringify(schema)), 'avro.codec': Buffer.from('null') }
  for (const [key, value] of Object.entries(metadata)) meta[key] = Buffer.from(value)
  const body = Buffer.concat(records.map((record) => type.toBuffer(record)))
  return Buffer.concat([HEADER.toBuffer({ magic: MAGIC, meta, sync }), LONG.toBuffer(records.length), LONG.toBuffer(body.byteLength), body, sync])
}

export interface AvroFile {
  readonly schema: AvroRecordSchema
  readonly metadata: Readonly<Record<string, string>>
  readonly records: readonly Record<string, unknown>[]
}

export interface AvroRecordSchema {
  readonly type: 'record'
  readonly name: string
  readonly fields: readonly { readonly name: string; readonly type: unknown; readonly 'field-id'?: number; readonly default?: unknown }[]
}

/** The records of an Avro file (any writer's: its own schema, uncompressed or deflate blocks). */
export async function readAvroFile(bytes: Uint8Array): Promise<AvroFile> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const read = (type: avro.Type, from: Buffer, at: number): { value: unknown; at: number } => {
    const decoded: { value: unknown; offset: number } = type.decode(from, at)
    const { value, offset } = decoded
    if (offset < 0) throw new Error('an Avro file cut short')
    return { value, at: offset }
  }
  const { value: header, at: start } = read(HEADER, buffer, 0) as { value: { magic: Buffer; meta: Record<string, Buffer> }; at: number }
  if (!header.magic.equals(MAGIC)) throw new Error('not an Avro file (no Obj1 magic)')
  const metadata = Object.fromEntries(Object.entries(header.meta).map(([key, value]) => [key, value.toString()]))
  const schema = JSON.parse(metadata['avro.schema'] ?? 'null') as AvroRecordSchema
  const codec = metadata['avro.codec'] ?? 'null'
  const type = typeOf(schema)
  const records: Record<string, unknown>[] = []
  for (let at = start; at < buffer.byteLength;) {
    const count = read(LONG, buffer, at)
    const size = read(LONG, buffer, count.at)
    let block = buffer.subarray(size.at, size.at + Number(size.value))
    at = size.at + Number(size.value) + 16
    if (codec === 'deflate') block = (await import('node:zlib')).inflateRawSync(block)
    else if (codec !== 'null') throw new Error(`an Avro file compressed with ${codec}, which bufctl does not read`)
    for (let i = 0, within = 0; i < Number(count.value); i++) {
      const record = read(type, block, within)
      records.push(record.value as Record<string, unknown>)
      within = record.at
    }
  }
  return { schema, metadata, records }
}
