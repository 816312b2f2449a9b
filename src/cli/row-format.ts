/**
 * How `bufctl cat` writes rows: an aligned table for a person at a terminal, JSON Lines or CSV for
 * a program. 64-bit integers are written exactly (digits, never rounded through a double).
 */
import type { DumpValue } from '../lib/dump/index.js'
import { printable, printableValue } from './style.js'

export type RowFormat = 'table' | 'jsonl' | 'csv'
export const ROW_FORMATS: readonly RowFormat[] = ['table', 'jsonl', 'csv']

/** Widest a table cell gets before it is cut with an ellipsis. */
const MAX_CELL = 48
/** Rows a table looks at to choose its column widths. */
export const TABLE_SAMPLE_ROWS = 200

/** A value as JSON text, bigints as plain digits. */
export function jsonText(value: DumpValue): string {
  if (typeof value === 'bigint') return value.toString()
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}:${jsonText(item)}`)
      .join(',')}}`
  return JSON.stringify(value)
}

export function jsonLine(columns: readonly string[], row: readonly DumpValue[]): string {
  return `{${columns.map((column, index) => `${JSON.stringify(column)}:${jsonText(row[index]!)}`).join(',')}}\n`
}

export function csvLine(cells: readonly DumpValue[]): string {
  return `${cells.map(csvCell).join(',')}\n`
}

function csvCell(value: DumpValue): string {
  if (value === null) return ''
  // Values and names come from files anyone may have written: nothing in them may drive a terminal.
  const text = printableValue(typeof value === 'object' ? jsonText(value) : String(value))
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** A cell as the table shows it: null as ∅, nested values as JSON, one line. */
export function cellText(value: DumpValue): string {
  if (value === null) return '∅'
  return printableValue(typeof value === 'object' ? jsonText(value) : String(value)).replace(/[\n\t]/g, ' ')
}

/** Column widths for a table, from its header and a sample of rows. */
export function columnWidths(columns: readonly string[], rows: readonly (readonly DumpValue[])[]): number[] {
  return columns.map((column, index) => Math.min(MAX_CELL, Math.max(printable(column).length, ...rows.map((row) => cellText(row[index]!).length))))
}

export function tableLine(cells: readonly string[], widths: readonly number[]): string {
  return `${cells
    .map((cell, index) => {
      const width = widths[index]!
      const fitted = cell.length > width ? `${cell.slice(0, width - 1)}…` : cell
      return fitted.padEnd(width)
    })
    .join('  ')
    .trimEnd()}\n`
}
