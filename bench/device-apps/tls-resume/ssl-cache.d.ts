// The SDK's TLS session cache (modules/crypt/ssl/ssl_cache.js: one entry, the last session by server name),
// which the SDK ships without typings.
declare module "ssl/cache" {
  const cache: {
    /** Forgets the entry (the argument is not looked at). */
    deleteSessionID(id?: unknown): void;
  };
  export default cache;
}
