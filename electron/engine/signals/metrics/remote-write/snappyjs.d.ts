// Types of snappyjs (pure JS snappy, block format), which ships none: what remote write uses.
declare module 'snappyjs' {
  function compress<T extends Uint8Array | ArrayBuffer>(uncompressed: T): T;
  function uncompress<T extends Uint8Array | ArrayBuffer>(compressed: T, maxLength?: number): T;
  const snappy: { compress: typeof compress; uncompress: typeof uncompress };
  export default snappy;
  export { compress, uncompress };
}
