/** fetch that also reads file: URLs (HEAD for the size, GET with a byte Range); see file-fetch.js. */
export function withFileUrls(upstream: typeof fetch): typeof fetch
