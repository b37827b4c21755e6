// The fields of an X.509 certificate (RFC 5280 section 4.1) the device needs to know who it is and when to
// renew: the subject and its common name (the device id), the validity, the public key. Read in place: the
// byte ranges are views of the certificate, which may be in flash.
import { GENERALIZED_TIME, IA5_STRING, INTEGER, OID, PRINTABLE_STRING, SEQUENCE, SET, UTC_TIME, UTF8_STRING, expectTlv, readTlv, sameBytes, type Tlv } from "./der.js";
import { IdentityError } from "./identity-error.js";

/** id-at-commonName, 2.5.4.3, as DER content. */
const COMMON_NAME = new Uint8Array([0x55, 0x04, 0x03]);

export interface CertificateFields {
  /** The whole certificate. */
  der: Uint8Array;
  /** The serial number's content bytes (how a CRL names the certificate). */
  serial: Uint8Array;
  /** The subject Name, DER (a signing request for the same subject copies it). */
  subject: Uint8Array;
  /** The subject's common name, undefined when it has none. */
  commonName: string | undefined;
  /** Milliseconds since the epoch. */
  notBefore: number;
  notAfter: number;
  /** The SubjectPublicKeyInfo, DER. */
  publicKey: Uint8Array;
}

/** Reads `der` (a view: no copy is made of it). Throws IdentityError "malformed". */
export function readCertificate(der: Uint8Array): CertificateFields {
  const certificate = expectTlv(der, 0, SEQUENCE);
  const tbs = expectTlv(der, certificate.value, SEQUENCE, certificate.end);
  let field = readTlv(der, tbs.value, tbs.end);
  if (field.tag === 0xa0) field = readTlv(der, field.end, tbs.end); // [0] version
  if (field.tag !== INTEGER) throw new IdentityError("malformed", "certificate: no serial number");
  const serial = field;
  const signature = expectTlv(der, serial.end, SEQUENCE, tbs.end);
  const issuer = expectTlv(der, signature.end, SEQUENCE, tbs.end);
  const validity = expectTlv(der, issuer.end, SEQUENCE, tbs.end);
  const from = readTlv(der, validity.value, validity.end);
  const to = readTlv(der, from.end, validity.end);
  const subject = expectTlv(der, validity.end, SEQUENCE, tbs.end);
  const publicKey = expectTlv(der, subject.end, SEQUENCE, tbs.end);
  return {
    der: der.subarray(0, certificate.end),
    serial: der.subarray(serial.value, serial.end),
    subject: der.subarray(subject.start, subject.end),
    commonName: commonName(der, subject),
    notBefore: timeOf(der, from),
    notAfter: timeOf(der, to),
    publicKey: der.subarray(publicKey.start, publicKey.end),
  };
}

/** The first common name in `name` (a Name, DER), undefined when it has none. */
export function commonNameOf(name: Uint8Array): string | undefined {
  return commonName(name, expectTlv(name, 0, SEQUENCE));
}

/** The first CN attribute of a Name (SEQUENCE OF SET OF AttributeTypeAndValue), as text. */
function commonName(der: Uint8Array, name: Tlv): string | undefined {
  for (let at = name.value; at < name.end; ) {
    const rdn = expectTlv(der, at, SET, name.end);
    for (let inner = rdn.value; inner < rdn.end; ) {
      const attribute = expectTlv(der, inner, SEQUENCE, rdn.end);
      const type = expectTlv(der, attribute.value, OID, attribute.end);
      if (sameBytes(der, type.value, type.end, COMMON_NAME)) {
        const value = readTlv(der, type.end, attribute.end);
        if (value.tag !== UTF8_STRING && value.tag !== PRINTABLE_STRING && value.tag !== IA5_STRING) return undefined;
        return text(der, value.value, value.end);
      }
      inner = attribute.end;
    }
    at = rdn.end;
  }
  return undefined;
}

/** A device id is ASCII (device-topics.ts checks which characters); anything else is kept as Latin-1 and
 *  refused there. */
function text(der: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i++) s += String.fromCharCode(der[i]);
  return s;
}

/** UTCTime (YYMMDDHHMMSSZ, years 1950-2049) or GeneralizedTime (YYYYMMDDHHMMSSZ), RFC 5280 section 4.1.2.5. */
function timeOf(der: Uint8Array, tlv: Tlv): number {
  const long = tlv.tag === GENERALIZED_TIME;
  if ((!long && tlv.tag !== UTC_TIME) || tlv.end - tlv.value !== (long ? 15 : 13) || der[tlv.end - 1] !== 0x5a) {
    throw new IdentityError("malformed", "certificate: a validity time that is not UTCTime or GeneralizedTime in UTC");
  }
  let at = tlv.value;
  const digits = (count: number): number => {
    let n = 0;
    for (let i = 0; i < count; i++) {
      const d = der[at++] - 48;
      if (d < 0 || d > 9) throw new IdentityError("malformed", "certificate: a validity time with a non-digit");
      n = n * 10 + d;
    }
    return n;
  };
  let year = digits(long ? 4 : 2);
  if (!long) year += year < 50 ? 2000 : 1900;
  const month = digits(2);
  const day = digits(2);
  return Date.UTC(year, month - 1, day, digits(2), digits(2), digits(2));
}
