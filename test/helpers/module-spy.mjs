// Loaded with `node --import`: reports on stderr every apache-arrow, parquet-wasm or AWS SDK module that the
// process loads, so tests can prove a command stays clear of them.
import { register } from 'node:module'

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      export async function resolve(specifier, context, next) {
        const result = await next(specifier, context)
        if (/node_modules\\/(apache-arrow|parquet-wasm|@aws-sdk|@smithy)\\//.test(result.url)) process.stderr.write('LOADED ' + result.url + '\\n')
        return result
      }`),
)
