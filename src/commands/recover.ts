import { Flags } from '@oclif/core'
import { ReplayCommand, replayFlags } from '../cli/replay-command.js'
import type { ReplayReport } from '../lib/replay/index.js'

export default class Recover extends ReplayCommand {
  static override summary = 'Replay the buffers of a crashed process into Parquet, salvaging damaged files.'

  static override description = `Like flush, but made for the directory a crashed exporter left: an orphaned active.ipc becomes the next pending file; a torn file gives up its complete batches (the bytes dropped are reported) and the original is kept in <table>/quarantine/; a file with no complete batch at all (empty, schema only, unreadable) is moved to quarantine/ too. Nothing is ever deleted that was not written to Parquet first, and each row lands exactly once even if recover itself is killed and re-run.

--dry-run reports what would be recovered, and every file it would write, without taking a lock or changing anything. --keep writes the Parquet but leaves the pending files in place; a later flush or recover removes them without writing their rows again (the exporter, which knows nothing of this, would).

With --iceberg-catalog instead of --out, the rows are committed to the Iceberg table the exporter commits to (see bufctl flush --help): a REST catalog, or a warehouse directory (file:///dir) for one machine. A crash at any instant, even after the catalog took the commit but before bufctl heard so, is finished by the next run: it finds the commit in the table's history (or not).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --path /var/lib/otelcol/spill --out /data/parquet',
    '<%= config.bin %> <%= command.id %> --path ./crashed --dry-run',
    '<%= config.bin %> <%= command.id %> --path ./crashed --out ./parquet --keep --json',
    '<%= config.bin %> <%= command.id %> --path ./crashed --out s3://lake/otel --endpoint-url http://127.0.0.1:9000',
    '<%= config.bin %> <%= command.id %> --path ./crashed --iceberg-catalog file:///data/warehouse',
    'BUFCTL_ICEBERG_CREDENTIAL="bufctl:$CLIENT_SECRET" <%= config.bin %> <%= command.id %> --path /var/lib/otelcol/spill --iceberg-catalog http://lakekeeper:8181/catalog --iceberg-warehouse otel --dry-run',
  ]

  static override flags = {
    ...replayFlags,
    keep: Flags.boolean({ summary: 'Write Parquet but leave the pending files in place.', default: false }),
  }

  async run(): Promise<ReplayReport> {
    const { flags } = await this.parse(Recover)
    return this.runReplay('recover', flags)
  }
}
