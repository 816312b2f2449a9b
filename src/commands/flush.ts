import { ReplayCommand, replayFlags } from '../cli/replay-command.js'
import type { ReplayReport } from '../lib/replay/index.js'

export default class Flush extends ReplayCommand {
  static override summary = 'Drain table buffers into Parquet: seal the active stream, write, then delete the pending files.'

  static override description = `For each table (or each --table): take its lock, seal active.ipc, write every pending file as Parquet under --out (<out>/<table>/data/year=YYYY/month=MM/day=DD/hour=HH/<name>.parquet), and only when every output is durable delete the pending files. A crash at any point is finished or undone by the next run, so each row lands exactly once.

A table whose files are damaged (a torn tail, bytes that are not Arrow) is left untouched and reported, and the others proceed; use "bufctl recover" for it. A table locked by another process is skipped. Ctrl-C (or SIGTERM) stops at the next safe point: the commit in flight is finished or undone, and the same command run again finishes the rest (exit 130, or 143). A run after a crash first finishes the commit that was interrupted, against the output root it was writing to, whatever --out says now.

With --iceberg-catalog instead of --out, each table's drain is committed to the Iceberg table of its name (namespace --iceberg-namespace, "otel" as the exporter's): created as the exporter would create it if missing, its data files under the table's location with the table's field ids and column statistics, one append snapshot per drain, exactly once even with many hosts committing at once (conflicts are retried). Run it before the exporter starts (ExecStartPre=): a running exporter does not retry after another writer commits.

Exit codes: 0 all done, 1 some table failed, 2 bad usage, --out, or a table that cannot take the rows, 75 some table in use or the catalog unreachable (retry later).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --path /var/lib/otelcol/spill --out /data/parquet',
    '<%= config.bin %> <%= command.id %> --table otel_logs --compression snappy --granularity day --out ./parquet',
    '<%= config.bin %> <%= command.id %> --out ./parquet --json | jq .rows',
    '<%= config.bin %> <%= command.id %> --path /var/lib/otelcol/spill --out s3://lake/otel --s3-sse aws:kms',
    'AWS_ENDPOINT_URL_S3=http://minio:9000 <%= config.bin %> <%= command.id %> --path ./spill --out s3://lake/otel',
    '<%= config.bin %> <%= command.id %> --path ./spill --iceberg-catalog file:///data/warehouse',
  ]

  static override flags = replayFlags

  async run(): Promise<ReplayReport> {
    const { flags } = await this.parse(Flush)
    return this.runReplay('flush', flags)
  }
}
