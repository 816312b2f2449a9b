import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as library from '../../src/lib/index.js'
import { exitCodeFor } from '../../src/cli/exit-codes.js'

const cause = Object.assign(new Error('disk full'), { code: 'ENOSPC' })

/** One instance of every error class, and what its hint must say to be of use. */
const cases: [library.BufctlError, RegExp][] = [
  [new library.LockHeldError('/spill/otel_logs', 42), /stop the exporter|retry later/],
  [new library.LockFailedError('/spill/otel_logs/.lock', cause), /writable|flock|reinstall/],
  [new library.SchemaMismatchError('/in.arrows', '[a:Utf8]', '[b:Int32]'), /flush the table|convert/],
  [new library.ExporterShapeError('/in.arrows', 'otel_logs', 0, 'a:Utf8', 'b:Utf8'), /--schema any/],
  [new library.CorruptStreamError('/spill/otel_logs/pending-000001.ipc', 10, 'torn'), /bufctl recover/],
  [new library.NotArrowError('/in.csv', 'text'), /Arrow IPC stream/],
  [new library.RootNotFoundError('/nope', 'does not exist'), /--path|BUFCTL_PATH/],
  [new library.NotSpillRootError('/spill/otel_logs', '/spill'), /--path \/spill/],
  [new library.TableNotFoundError('/spill', 'otel_lgos', ['otel_logs']), /otel_logs/],
  [new library.PermissionError('/spill'), /user/],
  [new library.InterruptedError('SIGINT'), /run the same command again/],
  [new library.InputNotFoundError('/in.arrows', 'no such file'), /check the path/],
  [new library.InvalidOptionsError('--max-size', 'expected a size'), /--max-size.*--help/],
  [new library.UnsafeEntryError('/spill/otel_logs/quarantine', 'is not a directory but a link or a file'), /replace it with a plain directory.*nothing was changed/],
  [new library.RestoreRefusedError('/spill/otel_logs/quarantine/pending-000002.ipc', 'no reason record'), /fix or replace the file|purge/],
  [new library.StoreClosedError('/spill/otel_logs'), /open the buffer/],
  [new library.StoreWriteError('/spill/otel_logs/active.ipc', cause), /free disk space|permissions/],
  [new library.FlushFailedError('otel_logs', '/spill/otel_logs', cause), /flush again/],
  [new library.BatchRejectedError('otel_logs', '/spill/otel_logs', cause), /retry/],
  [new library.JournalError('/spill/otel_logs/bufctl-commit.json', 'not JSON'), /inspect|look at/],
  [new library.OutputVerificationError('/out/x.parquet', 'short'), /run again/],
  [new library.RollbackError('/out/x.parquet', '/spill/otel_logs', cause), /run bufctl recover again/],
  [new library.OutputRootError('/etc/passwd', 'not a directory'), /--out/],
  [new library.UnsupportedTypeError('/spill/t/pending-000001.ipc', 'unsupported type Union in column c'), /convert|quarantine/],
  [new library.UnwritableDataError('/spill/t', ['pending-000002.ipc'], 'the writer refused a batch'), /recover keeps such a file in quarantine/],
  [new library.StoreUnreachableError('http://minio:9000', 'ECONNREFUSED'), /--endpoint-url|run again/],
  [new library.StoreAccessError('s3://lake/otel', 'AccessDenied', 'grant s3:PutObject on arn:aws:s3:::lake'), /grant s3:PutObject.*nothing was changed/],
  [new library.CatalogUnreachableError('http://catalog:8181', 'ECONNREFUSED'), /--iceberg-catalog|run again/],
  [new library.CatalogAccessError('http://catalog:8181', 'POST /v1/namespaces/otel/tables/otel_logs (403)'), /token|credential/],
  [new library.CatalogConflictError('otel.otel_logs', 8), /run again later/],
  [new library.CatalogOutcomeUnknownError('http://catalog:8181', 'otel.otel_logs', 'HTTP 503'), /again once the catalog answers/],
  [new library.CatalogRequiredError('/spill/otel_logs', 'http://catalog:8181', 'otel.otel_logs'), /--iceberg-catalog http:\/\/catalog:8181/],
  [new library.TableSchemaError('otel.otel_logs', 'column body: the table has int, this data has string'), /evolve the table/],
  [new library.SystemLimitError('ENOSPC', '/out/otel_logs'), /free space on the device that holds \/out\/otel_logs.*run the same command again/],
]

test('every error kind names its path in its message, carries a hint that says what to do, and maps to an exit code', () => {
  const codes = new Set<string>()
  for (const [error, hint] of cases) {
    assert.ok(error instanceof library.BufctlError)
    if (error.path) assert.ok(error.message.includes(error.path), `${error.name}: the message names ${error.path}`)
    assert.match(error.hint, hint, error.name)
    assert.ok([1, 2, 75, 130].includes(exitCodeFor(error)), `${error.name}: exit ${exitCodeFor(error)}`)
    codes.add(error.code)
  }
  assert.equal(codes.size, cases.length, 'one code per kind')
  assert.equal(exitCodeFor(new library.LockHeldError('/x')), 75)
  assert.equal(exitCodeFor(new library.PermissionError('/x')), 2)
  assert.equal(exitCodeFor(new library.StoreUnreachableError('http://minio:9000', 'timed out')), 75, 'a store that does not answer: try again later')
  assert.equal(exitCodeFor(new library.StoreAccessError('s3://lake/x', 'AccessDenied', 'grant')), 2)
  assert.equal(exitCodeFor(new Error('a bug')), 70, 'an internal error has a code of its own')
  assert.equal(exitCodeFor(Object.assign(new Error('EACCES'), { code: 'EACCES', path: '/x' })), 2, 'permission errors from the system are exit 2')
  // Running out of descriptors or disk space is neither a bug (70) nor bad input (2).
  for (const code of ['EMFILE', 'ENFILE', 'ENOSPC', 'EDQUOT']) {
    const system = Object.assign(new Error(code), { code, path: '/spill/otel_logs/pending-000001.ipc' })
    assert.equal(exitCodeFor(system), 1, code)
    const explained = library.explainSystemError(system)
    assert.ok(explained instanceof library.SystemLimitError, code)
    assert.match(explained.message, /pending-000001\.ipc/)
    assert.match(explained.hint, code.endsWith('FILE') ? /ulimit -n/ : /free space/)
  }
})
