/**
 * The failures of the stores bufctl writes into — an object store, an Iceberg catalog — as kinds
 * of the one error hierarchy (errors.ts): a store that does not answer (try again later: exit 75),
 * one that refuses bufctl (fix the configuration: exit 2), a table that cannot take the rows.
 */
import { BufctlError } from './errors.js'

/** The object store did not answer (refused, unresolvable, timed out): try again later. */
export class StoreUnreachableError extends BufctlError {
  readonly code = 'STORE_UNREACHABLE'
  constructor(
    readonly endpoint: string,
    reason: string,
    cause?: unknown,
  ) {
    super(
      `cannot reach the object store at ${endpoint}: ${reason}`,
      endpoint,
      'check the endpoint (--endpoint-url, AWS_ENDPOINT_URL_S3), the network and the store, then run again (nothing was changed; raise --s3-timeout for a slow link)',
      { cause },
    )
  }
}

/** The object store refused bufctl: no credentials, wrong ones, or a permission missing for the bucket. */
export class StoreAccessError extends BufctlError {
  readonly code = 'STORE_ACCESS'
  constructor(
    readonly url: string,
    reason: string,
    hint: string,
    cause?: unknown,
  ) {
    super(`cannot write to ${url}: ${reason}`, url, `${hint}; nothing was changed`, { cause })
  }
}

/** The Iceberg catalog did not answer (refused, unresolvable, timed out, failing with 5xx): try again later; nothing was committed. */
export class CatalogUnreachableError extends BufctlError {
  readonly code = 'CATALOG_UNREACHABLE'
  constructor(
    readonly catalog: string,
    reason: string,
    cause?: unknown,
  ) {
    super(
      `cannot reach the Iceberg catalog at ${catalog}: ${reason}`,
      catalog,
      'check --iceberg-catalog (BUFCTL_ICEBERG_CATALOG), the network and the catalog, then run again; nothing was committed and the files stay pending (an interrupted commit is finished first)',
      { cause },
    )
  }
}

/** The Iceberg catalog refused bufctl (401, 403): what was denied is named. */
export class CatalogAccessError extends BufctlError {
  readonly code = 'CATALOG_ACCESS'
  constructor(catalog: string, denied: string, cause?: unknown) {
    super(
      `the Iceberg catalog at ${catalog} refused ${denied}`,
      catalog,
      'check the token (--iceberg-token) or the client credentials (--iceberg-credential, --iceberg-oauth2-server-uri, --iceberg-scope) and what they are granted; nothing was committed',
      { cause },
    )
  }
}

/** Other writers kept committing to the table first (409 after every retry): the drain was undone, its files stay pending. */
export class CatalogConflictError extends BufctlError {
  readonly code = 'CATALOG_CONFLICT'
  constructor(table: string, attempts: number) {
    super(
      `the Iceberg table ${table} changed under every one of ${attempts} commit attempts (other writers committed first)`,
      table,
      'run again later (cron retries on exit 75): nothing was committed twice and the files stay pending',
    )
  }
}

/** The Iceberg table cannot take this data as it is: a column it lacks, a type that differs, a partition spec bufctl cannot compute. */
export class TableSchemaError extends BufctlError {
  readonly code = 'TABLE_SCHEMA'
  constructor(
    table: string,
    readonly reason: string,
  ) {
    super(
      `the Iceberg table ${table} cannot take these rows: ${reason}`,
      table,
      "evolve the table's schema (or partition spec) to take the data, or write it to another table (--iceberg-namespace); nothing was committed and the files stay pending",
    )
  }
}

/** The object store failed to answer or refused bufctl: such a failure says nothing about an output, so it is never read as "missing". */
export function isStoreFailure(error: unknown): error is StoreUnreachableError | StoreAccessError {
  return error instanceof StoreUnreachableError || error instanceof StoreAccessError
}

/** A commit request went out and no answer said whether the catalog took it: the journal keeps the commit until a run can tell. */
export class CatalogOutcomeUnknownError extends BufctlError {
  readonly code = 'CATALOG_OUTCOME_UNKNOWN'
  constructor(
    readonly catalog: string,
    table: string,
    reason: string,
  ) {
    super(
      `the commit to the Iceberg table ${table} may or may not have been taken by ${catalog}: ${reason}`,
      catalog,
      'run the same bufctl command again once the catalog answers: it finds the commit in the table (or not) and finishes or undoes it; the drained files are held, not lost, until then',
    )
  }
}

/** A table's interrupted commit went to an Iceberg catalog this run was not told how to reach. */
export class CatalogRequiredError extends BufctlError {
  readonly code = 'CATALOG_REQUIRED'
  constructor(
    readonly directory: string,
    readonly catalog: string,
    table: string,
  ) {
    super(
      `an interrupted commit in ${directory} went to the Iceberg table ${table} at ${catalog}, which only that catalog can say was taken or not`,
      directory,
      `run again with --iceberg-catalog ${catalog} (and its credentials); nothing in this table was changed`,
    )
  }
}
