// A PKCS#10 certification request (RFC 2986 section 4) for the key the device already holds: the device
// cannot make a new RSA key (the SDK's crypt modules have no key generation), so a renewal certifies the
// same key again, and the request's signature, made with that key, proves the device holds it. The
// subject and the public key are copied from the current certificate, byte for byte.
import { BIT_STRING, SEQUENCE, encodeTlv } from "./der.js";

/** AlgorithmIdentifier sha256WithRSAEncryption (RFC 4055 section 5): OID 1.2.840.113549.1.1.11, NULL. */
const SHA256_WITH_RSA = new Uint8Array([0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00]);
/** version 0 (INTEGER). */
const VERSION_1 = new Uint8Array([0x02, 0x01, 0x00]);
/** attributes [0] IMPLICIT SET OF Attribute, empty. */
const NO_ATTRIBUTES = new Uint8Array([0xa0, 0x00]);

/** Signs bytes with the device's RSA key: PKCS#1 v1.5 over SHA-256 (the Signer port). */
export type SignRequest = (info: Uint8Array) => ArrayBuffer;

/** CertificationRequestInfo: what the key signs. `subject` and `publicKey` are DER (a Name, a
 *  SubjectPublicKeyInfo). */
export function requestInfo(subject: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return encodeTlv(SEQUENCE, VERSION_1, subject, publicKey, NO_ATTRIBUTES);
}

/** The signed request, DER. */
export function certificationRequest(subject: Uint8Array, publicKey: Uint8Array, sign: SignRequest): Uint8Array {
  const info = requestInfo(subject, publicKey);
  const signature = new Uint8Array(sign(info));
  const bits = new Uint8Array(signature.length + 1); // no unused bits
  bits.set(signature, 1);
  return encodeTlv(SEQUENCE, info, SHA256_WITH_RSA, encodeTlv(BIT_STRING, bits));
}
