/**
 * Big-endian Arrow streams for the tests, made from little-endian ones: no writer the tests run
 * writes big-endian (Arrow C++ and arrow-go write their platform's order), but files from big-endian
 * machines exist and pyarrow reads them. The schema message is built again with its endianness set
 * to big (flatbuffer writers leave the little-endian default out, so it cannot be patched in
 * place), every field copied as it is; the bodies' values are swapped by bufctl's own swap
 * (ipc-normalize), which pyarrow then checks by reading the result.
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
import { Endianness } from 'apache-arrow/fb/endianness'
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
import { bytesSource, scanStream } from '../../src/lib/format/index.js'
import { withBodiesSwapped } from '../../src/lib/format/ipc-normalize.js'

export async function bigEndianStream(littleEndian: Uint8Array): Promise<Uint8Array> {
  const schemaFrame = (await scanStream(bytesSource(littleEndian))).messages[0]!
  const metadata = littleEndian.subarray(schemaFrame.metadataOffset, schemaFrame.metadataOffset + schemaFrame.metadataLength)
  const message = Message.getRootAsMessage(new ByteBuffer(metadata))
  const schema = message.header(new Schema()) as Schema
  const builder = new Builder(1024)
  const fields = Array.from({ length: schema.fieldsLength() }, (_, i) => copyField(builder, schema.fields(i)!))
  const fieldsVector = Schema.createFieldsVector(builder, fields)
  const custom = keyValues(builder, schema.customMetadataLength(), (i) => schema.customMetadata(i)!)
  Schema.startSchema(builder)
  Schema.addEndianness(builder, Endianness.Big)
  Schema.addFields(builder, fieldsVector)
  if (custom) Schema.addCustomMetadata(builder, custom)
  const header = Schema.endSchema(builder)
  Message.finishMessageBuffer(builder, Message.createMessage(builder, message.version(), MessageHeader.Schema, header, 0n, 0))
  return withBodiesSwapped(littleEndian, builder.asUint8Array())
}

function keyValues(builder: Builder, length: number, at: (i: number) => KeyValue): number | undefined {
  if (length === 0) return undefined
  const pairs = Array.from({ length }, (_, i) => {
    const pair = at(i)
    const key = builder.createString(pair.key() ?? '')
    const value = builder.createString(pair.value() ?? '')
    return KeyValue.createKeyValue(builder, key, value)
  })
  return Schema.createCustomMetadataVector(builder, pairs)
}

function copyField(builder: Builder, field: Field): number {
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
    encoding = DictionaryEncoding.endDictionaryEncoding(builder)
  }
  const children = Field.createChildrenVector(
    builder,
    Array.from({ length: field.childrenLength() }, (_, i) => copyField(builder, field.children(i)!)),
  )
  const custom = keyValues(builder, field.customMetadataLength(), (i) => field.customMetadata(i)!)
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
  const empty = () => {
    builder.startObject(0)
    return builder.endObject()
  }
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
      const timezone = zone === null ? 0 : builder.createString(zone)
      return Timestamp.createTimestamp(builder, timestamp.unit(), timezone)
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
    default:
      return empty()
  }
}
