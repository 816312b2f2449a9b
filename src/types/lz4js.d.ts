/** lz4js (CommonJS, no bundled types): the LZ4 frame format in plain JavaScript. */
declare module 'lz4js' {
  export function compress(source: Uint8Array, maxSize?: number): Uint8Array
  export function decompress(source: Uint8Array, maxSize?: number): Uint8Array
  const lz4: { compress: typeof compress; decompress: typeof decompress }
  export default lz4
}
