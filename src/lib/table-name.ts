/**
 * The exporter's rule for a table's directory name: every character outside [A-Za-z0-9_-]
 * becomes `_`, and the empty name becomes `_`.
 */
export function tableDirectoryName(table: string): string {
  if (table.length === 0) return '_'
  // Array.from walks code points, so one astral character becomes one `_`, as in Go's range loop.
  return Array.from(table, (ch) => (/^[A-Za-z0-9_-]$/.test(ch) ? ch : '_')).join('')
}
