/**
 * A stream's schema message built again, every field copied as it is, with two possible changes:
 * the byte order it declares, and key-value metadata added to fields by their path. Flatbuffer
 * writers leave default values out, so neither can be patched into the bytes in place. bufctl adds
 * `PARQUET:field_id` to every column of a drain into an Iceberg table (the Parquet writer turns it
 * into the Parquet schema's field ids, by which Iceberg readers resolve columns); the tests make
 * big-endian streams with it.
 */
import { Builder, ByteBuffer } from 'flatbuffers'
import { Message } from 'apache-arrow/fb/message'
import { MessageHeader } from 'apache-arrow/fb/message-header'
import { Schema } from 'apache-arrow/fb/schema'
import { Field } from 'apache-arrow/fb/field'
import { KeyValue } from 'apache-arrow/fb/key-value'
import { DictionaryEncoding } from 'apache-arrow/fb/dictionary-encoding'
import { Int } from 'apache-arrow/fb/int'
import { Type } from 'apache-arrow/fb/type'
import type { Endianness } from 'apache-arrow/fb/endianness'
import { FloatingPoint } from 'apache-arrow/fb/floating-point'
import { Decimal } from 'apache-arrow/fb/decimal'
import { Date as DateType } from 'apache-arrow/fb/date'
import { Time } from 'apache-arrow/fb/time'
import { Timestamp } from 'apache-arrow/fb/timestamp'
import { Interval } from 'apache-arrow/fb/interval'
import { Duration } from 'apache-arrow/fb/duration'
import { FixedSizeBinary } from 'apache-arrow/fb/fixed-size-binary'
import { FixedSizeList } from 'apache-arrow/fb/fixed-size-list'
import { Map as MapType } from 'apache-arrow/fb/map'
import { Union } from 'apache-arrow/fb/union'
import { firstMessage, frameMessage } from './ipc-framing.js'

export interface SchemaChanges {
  readonly endianness?: Endianness
  /**
   * Metadata to add to the field at `path` (names from the top; a list's element is `element`
   * whatever its writer named it, a map's entries are `key` and `value`).
   */
  readonly fieldMetadata?: (path: readonly string[]) => Readonly<Record<string, string>> | undefined
}

/** The key Arrow writers of Parquet (arrow-rs, Arrow C++) take a field's Parquet field id from. */
export const PARQUET_FIELD_ID = 'PARQUET:field_id'

/** The schema message's metadata (a flatbuffer Message) built again with `changes`. */
export function copySchemaMessage(metadata: Uint8Array, changes: SchemaChanges): Uint8Array {
  const message = Message.getRootAsMessage(new ByteBuffer(metadata))
  if (message.headerType() !== MessageHeader.Schema) throw new Error('not a schema message')
  const schema = message.header(new Schema()) as Schema
  const builder = new Builder(1024)
  const fields = Array.from({ length: schema.fieldsLength() }, (_, i) => {
    const field = schema.fields(i)!
    return copyField(builder, field, [field.name() ?? ''], changes)
  })
  const fieldsVector = Schema.createFieldsVector(builder, fields)
  const custom = keyValues(
    builder,
    pairsOf(schema.customMetadataLength(), (i) => schema.customMetadata(i)!),
  )
  const features =
    schema.featuresLength() > 0
      ? Schema.createFeaturesVector(
          builder,
          Array.from({ length: schema.featuresLength() }, (_, i) => schema.features(i)!),
        )
      : 0
  Schema.startSchema(builder)
  Schema.addEndianness(builder, changes.endianness ?? schema.endianness())
  Schema.addFields(builder, fieldsVector)
  if (custom) Schema.addCustomMetadata(builder, custom)
  if (features) Schema.addFeatures(builder, features)
  const header = Schema.endSchema(builder)
  Message.finishMessageBuffer(builder, Message.createMessage(builder, message.version(), MessageHeader.Schema, header, 0n, 0))
  return builder.asUint8Array()
}

type Pair = readonly [string, string]

function pairsOf(length: number, at: (i: number) => KeyValue): Pair[] {
  return Array.from({ length }, (_, i) => [at(i).key() ?? '', at(i).value() ?? ''] as const)
}

function keyValues(builder: Builder, pairs: readonly Pair[]): number | undefined {
  if (pairs.length === 0) return undefined
  const offsets = pairs.map(([key, value]) => KeyValue.createKeyValue(builder, builder.createString(key), builder.createString(value)))
  return Field.createCustomMetadataVector(builder, offsets)
}

/** The path of a field's child: lists name their element `element`, maps their entries' fields `key` and `value`. */
function childPath(parent: Field, path: readonly string[], child: Field): readonly string[] {
  switch (parent.typeType()) {
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList:
    case Type.ListView:
    case Type.LargeListView:
      return [...path, 'element']
    case Type.Map:
      // The map's one child is its entries struct; its fields are key and value.
      return path
    default:
      return [...path, child.name() ?? '']
  }
}

function copyField(builder: Builder, field: Field, path: readonly string[], changes: SchemaChanges, isMapEntries = false): number {
  const name = builder.createString(field.name() ?? '')
  const type = copyType(builder, field)
  const dictionary = field.dictionary()
  let encoding = 0
  if (dictionary) {
    const index = dictionary.indexType()
    const indexType = index ? Int.createInt(builder, index.bitWidth(), index.isSigned()) : 0
    DictionaryEncoding.startDictionaryEncoding(builder)
    DictionaryEncoding.addId(builder, dictionary.id())
    if (indexType) DictionaryEncoding.addIndexType(builder, indexType)
    DictionaryEncoding.addIsOrdered(builder, dictionary.isOrdered())
    DictionaryEncoding.addDictionaryKind(builder, dictionary.dictionaryKind())
    encoding = DictionaryEncoding.endDictionaryEncoding(builder)
  }
  const children = Field.createChildrenVector(
    builder,
    Array.from({ length: field.childrenLength() }, (_, i) => {
      const child = field.children(i)!
      return copyField(builder, child, childPath(field, path, child), changes, field.typeType() === Type.Map)
    }),
  )
  // A map's entries struct is no column of its own: it gets no metadata (its path is the map's).
  const added = (isMapEntries ? undefined : changes.fieldMetadata?.(path)) ?? {}
  const kept = pairsOf(field.customMetadataLength(), (i) => field.customMetadata(i)!).filter(([key]) => !(key in added))
  const custom = keyValues(builder, [...kept, ...Object.entries(added)])
  Field.startField(builder)
  Field.addName(builder, name)
  Field.addNullable(builder, field.nullable())
  Field.addTypeType(builder, field.typeType())
  if (type) Field.addType(builder, type)
  if (encoding) Field.addDictionary(builder, encoding)
  Field.addChildren(builder, children)
  if (custom) Field.addCustomMetadata(builder, custom)
  return Field.endField(builder)
}

/** The field's type table, copied; types without parameters are an empty table. */
function copyType(builder: Builder, field: Field): number {
  switch (field.typeType()) {
    case Type.Int: {
      const int = field.type(new Int()) as Int
      return Int.createInt(builder, int.bitWidth(), int.isSigned())
    }
    case Type.FloatingPoint:
      return FloatingPoint.createFloatingPoint(builder, (field.type(new FloatingPoint()) as FloatingPoint).precision())
    case Type.Decimal: {
      const decimal = field.type(new Decimal()) as Decimal
      return Decimal.createDecimal(builder, decimal.precision(), decimal.scale(), decimal.bitWidth())
    }
    case Type.Date:
      return DateType.createDate(builder, (field.type(new DateType()) as DateType).unit())
    case Type.Time: {
      const time = field.type(new Time()) as Time
      return Time.createTime(builder, time.unit(), time.bitWidth())
    }
    case Type.Timestamp: {
      const timestamp = field.type(new Timestamp()) as Timestamp
      const zone = timestamp.timezone()
      return Timestamp.createTimestamp(builder, timestamp.unit(), zone === null ? 0 : builder.createString(zone))
    }
    case Type.Interval:
      return Interval.createInterval(builder, (field.type(new Interval()) as Interval).unit())
    case Type.Duration:
      return Duration.createDuration(builder, (field.type(new Duration()) as Duration).unit())
    case Type.FixedSizeBinary:
      return FixedSizeBinary.createFixedSizeBinary(builder, (field.type(new FixedSizeBinary()) as FixedSizeBinary).byteWidth())
    case Type.FixedSizeList:
      return FixedSizeList.createFixedSizeList(builder, (field.type(new FixedSizeList()) as FixedSizeList).listSize())
    case Type.Map:
      return MapType.createMap(builder, (field.type(new MapType()) as MapType).keysSorted())
    case Type.Union: {
      const union = field.type(new Union()) as Union
      const ids = union.typeIdsArray()
      return Union.createUnion(builder, union.mode(), ids ? Union.createTypeIdsVector(builder, ids) : 0)
    }
    default: {
      builder.startObject(0)
      return builder.endObject()
    }
  }
}

/**
 * An IPC stream whose schema message (its first) gives every field found in `ids` (by path, as
 * SchemaChanges names paths) its Parquet field id; the rest of the stream is as it was.
 */
export function withFieldIds(stream: Uint8Array, ids: ReadonlyMap<string, number>): Uint8Array {
  const { metadata, end } = firstMessage(stream)
  const schema = copySchemaMessage(metadata, {
    fieldMetadata: (path) => {
      const id = ids.get(path.join('.'))
      return id === undefined ? undefined : { [PARQUET_FIELD_ID]: String(id) }
    },
  })
  const framed = frameMessage(schema)
  const rest = stream.subarray(end)
  const bytes = new Uint8Array(framed.byteLength + rest.byteLength)
  bytes.set(framed)
  bytes.set(rest, framed.byteLength)
  return bytes
}
