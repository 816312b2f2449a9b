// The reference a user would otherwise reach for: nodejs-polars reads the IPC stream and writes
// zstd Parquet. Usage: node polars-replay.cjs <pending.ipc> <out.parquet> (NODE_PATH finds polars).
const pl = require('nodejs-polars')
const [input, output] = process.argv.slice(2)
pl.readIPCStream(input).writeParquet(output, { compression: 'zstd' })
