/**
 * inspect — status: what each table directory holds, read without taking a lock, as a report,
 * thresholds for cron, and the Prometheus textfile.
 * Imports: the ground, format/, buffer/, and replay/ (to read its journal and ledger, never to act).
 */
export {
  status,
  type BlockingFile,
  type ExporterShape,
  type FileDamage,
  type StatusOptions,
  type StatusReport,
  type StatusThresholds,
  type TableStatus,
  type ThresholdBreach,
  type UnreadableTable,
} from './status.js'
export { lastSuccessIn, renderFailedRun, renderPrometheus, writeStatusFile, type RunOutcome } from './prometheus.js'
