/** Colour and number formatting for human output; colour honours NO_COLOR, FORCE_COLOR and TTY. */
import chalk, { Chalk, type ChalkInstance } from 'chalk'

export function palette(): ChalkInstance {
  return new Chalk({ level: process.env.NO_COLOR ? 0 : chalk.level })
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`
}

export function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)}h`
  return `${(seconds / 86400).toFixed(1)}d`
}

/** 1234567 as `1,234,567`. Grouped by hand: the first toLocaleString call loads ICU data (~13 ms of every status). */
export function formatCount(count: number): string {
  if (!Number.isSafeInteger(count)) return count.toLocaleString('en-US')
  return String(count).replace(/\B(?=(\d{3})+$)/g, ',')
}

/** Left-aligned text table with a header row. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((row) => visibleLength(row[i] ?? ''))))
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell + ' '.repeat(widths[i]! - visibleLength(cell)))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').length
}

/**
 * Characters that change how a terminal shows what follows without being visible: C0 and C1
 * controls (a title, a clear screen, a carriage return) and the bidirectional overrides and
 * isolates (U+202A–U+202E, U+2066–U+2069), which make text read other than it is stored.
 */
// eslint-disable-next-line no-control-regex
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

/** A character as an escape: `\x1b` for a control, `\u202e` for a bidirectional override. */
function escaped(ch: string): string {
  const code = ch.charCodeAt(0)
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`
}

/** A name as it can be shown on a terminal: every hidden character (see HIDDEN) escaped. */
export function printable(name: string): string {
  return name.replace(HIDDEN, escaped)
}

/** A value for CSV or a table cell: hidden characters escaped, but newlines and tabs kept (CSV quotes them; a cell flattens them). */
export function printableValue(text: string): string {
  return text.replace(HIDDEN, (ch) => (ch === '\n' || ch === '\t' ? ch : escaped(ch)))
}

/**
 * Text as it may reach a terminal: every hidden character escaped (names, reasons and paths come
 * from files anyone may have written) except newlines, tabs and the colour sequences palette()
 * itself emits when colour is on. The last guard before any human output is written.
 */
export function terminalText(text: string): string {
  const colour = palette().level > 0
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m|[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (match) => (match.length > 1 && colour ? match : escaped(match)))
}
