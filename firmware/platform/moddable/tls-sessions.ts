// The SDK's TLS stack keeps the last session per server name to resume it (modules/crypt/ssl/ssl_cache.js):
// a resumed handshake shows the broker no certificate at all. After the device's certificate changes (a
// renewal, or a renewal given up), the next connection must be a full handshake with the certificate now
// in use, so the cached session is forgotten.
import cache from "ssl/cache";

export function forgetTlsSession(): void {
  cache.deleteSessionID();
}
