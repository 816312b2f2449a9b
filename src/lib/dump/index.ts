/**
 * dump — the rows themselves (`bufctl cat`): stream files read batch by batch through format/'s
 * checked decoding, values rendered faithfully. A stage of its own so that status, which never
 * decodes a batch, does not load what this needs.
 * Imports: the ground and format/.
 */
export { dumpFiles, dumpRows, tableFiles, type DumpEvent, type DumpOptions, type DumpSummary, type DumpValue } from './row-dump.js'
