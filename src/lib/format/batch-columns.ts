/**
 * A checked batch's columns as the planner reads them — the schema, the row count, and a column as
 * one apache-arrow Data when asked for. A flat batch (the exporter's) is read this way without a
 * RecordBatch: building one makes a new Schema and struct type per batch, most of what planning a
 * 200-row batch costs, and the planner only looks at its string columns and its timestamp column.
 */
import { isAscii } from 'node:buffer'
import { makeData, RecordBatch, Struct, type Data, type DataType, type Schema } from 'apache-arrow'
import type { FlatColumn } from './flat-batch.js'

export interface BatchColumns {
  readonly schema: Schema
  readonly numRows: number
  /** Column `index` as one Data. */
  column(index: number): Data
  /**
   * Whether the values of string column `index` are plain ASCII, when that can be told from its
   * bytes without building its Data (a flat batch's); undefined otherwise.
   */
  asciiOnly?(index: number): boolean | undefined
}

/** The columns of a decoded RecordBatch. */
export function recordBatchColumns(batch: RecordBatch): BatchColumns {
  return { schema: batch.schema, numRows: batch.numRows, column: (index) => batch.data.children[index]! }
}

/** The columns of a checked flat batch; each column's Data is made the first time it is asked for. */
export class FlatBatchColumns implements BatchColumns {
  readonly #flat: readonly FlatColumn[]
  readonly #made: (Data | undefined)[] = []

  constructor(
    readonly schema: Schema,
    readonly numRows: number,
    flat: readonly FlatColumn[],
  ) {
    this.#flat = flat
  }

  column(index: number): Data {
    return (this.#made[index] ??= flatData(this.schema.fields[index]!.type as DataType, this.#flat[index]!))
  }

  asciiOnly(index: number): boolean | undefined {
    const { offsets, values, length } = this.#flat[index]!
    if (!offsets) return undefined
    // flat-batch checked that the offsets rise within the values.
    const start = Number(offsets[0])
    const end = Number(offsets[length])
    return isAscii(start === 0 && end === values.byteLength ? values : values.subarray(start, end))
  }
}

/** Checked flat columns as an apache-arrow batch: one Data per column over the same bytes. */
export function flatRecordBatch(schema: Schema, rows: number, columns: readonly FlatColumn[]): RecordBatch {
  const children = columns.map((column, index) => flatData(schema.fields[index]!.type as DataType, column))
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children }))
}

function flatData(type: DataType, column: FlatColumn): Data {
  return makeData({
    type,
    length: column.length,
    nullCount: column.nullCount,
    nullBitmap: column.validity,
    valueOffsets: column.offsets,
    data: column.values,
  } as Parameters<typeof makeData>[0])
}
