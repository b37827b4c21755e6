// Must fail when XS evaluates it: a module that reaches for a Node global at load time, as a stray
// `Buffer` in firmware would on the device.
const size = (globalThis as unknown as { Buffer: { byteLength(s: string): number } }).Buffer.byteLength("x");
export default size;
