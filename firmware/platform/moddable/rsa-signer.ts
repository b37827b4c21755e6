// The Signer port on the SDK's crypt modules, the ones its TLS client signs CertificateVerify with
// (modules/crypt/ssl/ssl_handshake.js): the PKCS#8 key read by PKCS8.parse, SHA-256 by crypt's Digest,
// RSASSA-PKCS1-v1_5 by PKCS1_5 with SHA-256's OID in the DigestInfo. The private key operation takes about
// as long as one TLS handshake's (seconds on an ESP32): a renewal makes one.
import { Digest } from "crypt";
import PKCS1_5 from "pkcs1_5";
import PKCS8 from "pkcs8";
import type { Signer } from "../ports.js";

/** id-sha256, 2.16.840.1.101.3.4.2.1 (RFC 8017 appendix A.2.4). */
const SHA256 = Object.freeze([2, 16, 840, 1, 101, 3, 4, 2, 1]) as number[];

export const rsaSigner: Signer = (key, data) => {
  const digest = new Digest("SHA256");
  digest.write(data as unknown as ArrayBuffer); // the native takes any buffer or view
  // A copy for the parser, as the TLS stack makes one (ssl_cert.js getKey): the SDK's BER reads integers
  // through the view's .buffer, which a view of mapped flash (a host buffer) cannot slice.
  return new PKCS1_5(PKCS8.parse(new Uint8Array(key)), true, SHA256).sign(digest.close());
};
