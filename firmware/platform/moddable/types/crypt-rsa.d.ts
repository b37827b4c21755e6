// The SDK's RSA signing pieces (modules/crypt/etc/pkcs8.js, pkcs1_5.js; the TLS client authenticates with
// them), which the SDK ships without typings: manifest.json hands this file to mcconfig's TypeScript check
// as well. "crypt" (its Digest) has the SDK's own typing.
declare module "pkcs8" {
  /** An RSA private key's numbers (modulus, exponents, primes...). */
  export type RsaPrivateKey = Record<string, bigint>;
  export default class PKCS8 {
    /** Reads a PKCS#8 RSA private key, DER (an ArrayBuffer or a Uint8Array view). */
    static parse(der: ArrayBuffer | Uint8Array): RsaPrivateKey;
  }
}

declare module "pkcs1_5" {
  import type { RsaPrivateKey } from "pkcs8";
  export default class PKCS1_5 {
    /** `priv` true to sign; `oid` the digest's OID, put in the DigestInfo (RFC 8017 section 9.2). */
    constructor(key: RsaPrivateKey, priv: boolean, oid?: number[]);
    /** RSASSA-PKCS1-v1_5 over the digest `hash`. */
    sign(hash: ArrayBuffer): ArrayBuffer;
  }
}

declare module "ssl/cache" {
  /** The TLS stack's session cache (modules/crypt/ssl/ssl_cache.js): one session, by server name. */
  const cache: { deleteSessionID(id?: ArrayBuffer): void };
  export default cache;
}
