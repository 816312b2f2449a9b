/**
 * Whether a schema field's type parameters are values an Arrow writer can produce: bit widths,
 * units, precisions and child counts inside their enums. apache-arrow's reader takes what it is
 * given (a timestamp unit of 7 decodes as "undefined"), so a damaged schema would otherwise pass
 * as data of a type that does not exist and fail later, in the Parquet writer, for the whole table.
 */
import type { Field as FieldHeader } from 'apache-arrow/fb/field'
import { Type } from 'apache-arrow/fb/type'
import { Int } from 'apache-arrow/fb/int'
import { FloatingPoint } from 'apache-arrow/fb/floating-point'
import { Decimal } from 'apache-arrow/fb/decimal'
import { Date as DateHeader } from 'apache-arrow/fb/date'
import { Time } from 'apache-arrow/fb/time'
import { Timestamp } from 'apache-arrow/fb/timestamp'
import { Duration } from 'apache-arrow/fb/duration'
import { Interval } from 'apache-arrow/fb/interval'
import { FixedSizeBinary } from 'apache-arrow/fb/fixed-size-binary'
import { FixedSizeList } from 'apache-arrow/fb/fixed-size-list'

const INT_WIDTHS = [8, 16, 32, 64]
const DECIMAL_WIDTHS = [32, 64, 128, 256]
const TIME_UNITS = 4 // SECOND, MILLISECOND, MICROSECOND, NANOSECOND
// Types refused by name (list views, run-end encoding: type-support) are not judged here.
const CHILDREN: Partial<Record<Type, number>> = { [Type.List]: 1, [Type.LargeList]: 1, [Type.FixedSizeList]: 1, [Type.Map]: 1 }

/** What is impossible about this field's type (its own, not its children's), or undefined. */
export function impossibleType(field: FieldHeader): string | undefined {
  const name = field.name() ?? '?'
  const kind = field.typeType()
  const children = CHILDREN[kind]
  if (children !== undefined && field.childrenLength() !== children) return `field ${name}: ${Type[kind]} with ${field.childrenLength()} child fields`
  const dictionary = field.dictionary()
  if (dictionary) {
    const index = dictionary.indexType()
    if (index && !INT_WIDTHS.includes(index.bitWidth())) return `field ${name}: dictionary index of ${index.bitWidth()} bits`
  }
  const problem = parameterProblem(field, kind)
  return problem && `field ${name}: ${problem}`
}

/**
 * Whether every row of this column takes at least one bit of a record batch's body. Null columns,
 * structs of such columns, zero-width fixed-size types and run-end encoding need none, so a huge
 * row count in a tiny body is only implausible for the rest.
 */
export function needsBytes(field: FieldHeader, depth = 0): boolean {
  if (field.dictionary() || depth > 64) return true
  switch (field.typeType()) {
    case Type.Null:
    case Type.RunEndEncoded:
      return false
    case Type.Struct_:
      for (let i = 0; i < field.childrenLength(); i++) if (needsBytes(field.children(i)!, depth + 1)) return true
      return false
    case Type.FixedSizeList:
      return ((field.type(new FixedSizeList()) as FixedSizeList | null)?.listSize() ?? 0) > 0 && field.childrenLength() > 0 && needsBytes(field.children(0)!, depth + 1)
    case Type.FixedSizeBinary:
      return ((field.type(new FixedSizeBinary()) as FixedSizeBinary | null)?.byteWidth() ?? 0) > 0
    default:
      return true
  }
}

function parameterProblem(field: FieldHeader, kind: Type): string | undefined {
  switch (kind) {
    case Type.Int: {
      const width = (field.type(new Int()) as Int | null)?.bitWidth()
      return width !== undefined && INT_WIDTHS.includes(width) ? undefined : `integer of ${width} bits`
    }
    case Type.FloatingPoint: {
      const precision: number | undefined = (field.type(new FloatingPoint()) as FloatingPoint | null)?.precision()
      return precision !== undefined && inRange(precision, 3) ? undefined : `floating point of precision #${precision}`
    }
    case Type.Decimal: {
      const decimal = field.type(new Decimal()) as Decimal | null
      if (!decimal || !DECIMAL_WIDTHS.includes(decimal.bitWidth())) return `decimal of ${decimal?.bitWidth()} bits`
      return decimal.precision() >= 1 && decimal.precision() <= 76 ? undefined : `decimal of precision ${decimal.precision()}`
    }
    case Type.Date: {
      const unit: number | undefined = (field.type(new DateHeader()) as DateHeader | null)?.unit()
      return unit !== undefined && inRange(unit, 2) ? undefined : `date unit #${unit}`
    }
    case Type.Time: {
      const time = field.type(new Time()) as Time | null
      const unit: number | undefined = time?.unit()
      if (!time || unit === undefined || !inRange(unit, TIME_UNITS)) return `time unit #${unit}`
      return time.bitWidth() === (unit <= 1 ? 32 : 64) ? undefined : `time of ${time.bitWidth()} bits`
    }
    case Type.Timestamp:
      return unitProblem((field.type(new Timestamp()) as Timestamp | null)?.unit(), TIME_UNITS, 'timestamp')
    case Type.Duration:
      return unitProblem((field.type(new Duration()) as Duration | null)?.unit(), TIME_UNITS, 'duration')
    case Type.Interval:
      return unitProblem((field.type(new Interval()) as Interval | null)?.unit(), 3, 'interval')
    case Type.FixedSizeBinary: {
      const width = (field.type(new FixedSizeBinary()) as FixedSizeBinary | null)?.byteWidth()
      return width !== undefined && width >= 0 ? undefined : `fixed-size binary of ${width} bytes`
    }
    case Type.FixedSizeList: {
      const size = (field.type(new FixedSizeList()) as FixedSizeList | null)?.listSize()
      return size !== undefined && size >= 0 ? undefined : `fixed-size list of ${size} values`
    }
    default:
      return undefined
  }
}

function unitProblem(unit: number | undefined, count: number, what: string): string | undefined {
  return unit !== undefined && inRange(unit, count) ? undefined : `${what} unit #${unit}`
}

function inRange(value: number, count: number): boolean {
  return Number.isInteger(value) && value >= 0 && value < count
}
