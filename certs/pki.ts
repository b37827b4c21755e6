// Dev PKI recipe over the openssl CLI: a root CA, server and client certificates, each idempotent.
// Used by `npm run certs` (certs/generate.ts) and by the tests (support/certs.ts).
//
//   const ca = await ensureCa(dir, "ca", "Wearable Dev Root CA");
//   const broker = await ensureLeaf(dir, { name: "broker", issuer: ca, cn: "broker", usage: "server",
//                                          san: ["localhost", "127.0.0.1"] });
//
// Every certificate is written as PEM and DER, every key as PKCS#8 PEM and PKCS#8 DER (the Moddable
// TLS stack takes DER certificates and a PKCS#8 DER key from resources). A file is reused when it is
// still what was asked for (same issuer, SANs, key type and validity state) and re-issued otherwise.
// OpenSSL 3.0 (Debian 12) cannot backdate with `x509 -days`, so every certificate is signed with
// `openssl ca` and explicit -startdate/-enddate in a scratch database.

import { X509Certificate, createPrivateKey, createPublicKey, verify } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isIP } from "node:net";
import { commonNameOf as readCertificateName } from "../firmware/identity/certificate.js";
import { BIT_STRING, SEQUENCE, expectTlv, readTlv } from "../firmware/identity/der.js";
import { asn1Time, openssl, writeAtomic } from "./openssl.js";
import { recordIssued } from "./revocation.js";

const DAY = 86_400_000;
/** A certificate closer than this to its notAfter (or notBefore, for future ones) is re-issued. */
const MARGIN_DAYS = 30;

export type KeyType = "rsa" | "ec";

/** Paths of one issued identity. Keys are PKCS#8, mode 0600. */
export interface CertFiles {
  name: string;
  certPem: string;
  certDer: string;
  keyPem: string;
  keyDer: string;
}

export interface LeafSpec {
  /** File name stem in the output directory, e.g. "broker" or "device-wearable-001". */
  name: string;
  /** The signing CA, or "self" for a self-signed leaf. */
  issuer: CertFiles | "self";
  cn: string;
  usage: "server" | "client";
  /** Subject Alternative Names: DNS names and IP addresses. None for a CN-only certificate. */
  san?: string[];
  /** RSA 2048 by default: the device signs CertificateVerify with RSA PKCS#1 v1.5 only. */
  keyType?: KeyType;
  /** Validity window in days relative to now (defaults: -1 .. 825). Negative = past. */
  notBeforeDays?: number;
  notAfterDays?: number;
}

function paths(dir: string, name: string): CertFiles {
  return {
    name,
    certPem: join(dir, `${name}.pem`),
    certDer: join(dir, `${name}.der`),
    keyPem: join(dir, `${name}-key.pem`),
    keyDer: join(dir, `${name}-key.der`),
  };
}

async function makeKey(files: CertFiles, keyType: KeyType): Promise<void> {
  const algorithm =
    keyType === "rsa"
      ? ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
      : ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
  const temp = `${files.keyPem}.${process.pid}.tmp`;
  await openssl(["genpkey", ...algorithm, "-out", temp]);
  await chmod(temp, 0o600);
  await rename(temp, files.keyPem);
}

/** Keep the existing key when it has the wanted type (so a re-issue keeps pinned keys stable). */
async function ensureKey(files: CertFiles, keyType: KeyType): Promise<void> {
  if (existsSync(files.keyPem)) {
    const key = createPrivateKey(await readFile(files.keyPem));
    if (key.asymmetricKeyType === keyType) return;
  }
  await makeKey(files, keyType);
}

async function writeDerForms(files: CertFiles): Promise<void> {
  const cert = new X509Certificate(await readFile(files.certPem));
  await writeAtomic(files.certDer, cert.raw);
  const key = createPrivateKey(await readFile(files.keyPem));
  await writeAtomic(files.keyDer, key.export({ type: "pkcs8", format: "der" }), 0o600);
}

function sanList(names: string[]): string {
  return names.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
}

function extensions(kind: "ca" | "server" | "client", san: string[] | undefined): string {
  const lines = ["subjectKeyIdentifier = hash"];
  if (kind === "ca") {
    // The root carries an Authority Key Identifier too: brokers send it after the leaf, and the device's
    // TLS stack finds every issuer by AKI, failing on a chain certificate without one (docs/device.md).
    lines.push("authorityKeyIdentifier = keyid:always", "basicConstraints = critical, CA:TRUE", "keyUsage = critical, keyCertSign, cRLSign");
  } else {
    lines.push(
      "authorityKeyIdentifier = keyid",
      "basicConstraints = critical, CA:FALSE",
      "keyUsage = critical, digitalSignature, keyEncipherment",
      `extendedKeyUsage = ${kind === "server" ? "serverAuth" : "clientAuth"}`,
    );
  }
  if (san && san.length > 0) lines.push(`subjectAltName = ${sanList(san)}`);
  return lines.join("\n");
}

/** `openssl ca` configuration for a throwaway database in `work`, with the extensions of `kind`. */
function caConfig(work: string, kind: "ca" | "server" | "client", san: string[] | undefined): string {
  return [
    "[ca]",
    "default_ca = scratch",
    "[scratch]",
    `database = ${join(work, "index.txt")}`,
    `new_certs_dir = ${work}`,
    `serial = ${join(work, "serial")}`,
    "default_md = sha256",
    "policy = any",
    "unique_subject = no",
    "copy_extensions = none",
    "[any]",
    "commonName = supplied",
    "[ext]",
    extensions(kind, san),
    "",
  ].join("\n");
}

/**
 * Signs the request `csr` (a PEM file; its signature is checked) with `issuer` (or its own key, "self") in a
 * throwaway database, so dates can be anywhere (including the past), and writes the certificate to
 * `certPem`. The subject is the request's. Returns the serial number (hex, upper case).
 */
async function signRequest(
  csr: string,
  certPem: string,
  issuer: CertFiles | { self: string },
  kind: "ca" | "server" | "client",
  san: string[] | undefined,
  notBefore: Date,
  notAfter: Date,
): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), "pki-sign-"));
  try {
    await writeFile(join(work, "ca.cnf"), caConfig(work, kind, san));
    await writeFile(join(work, "index.txt"), "");
    // Random 128-bit serial, top bit clear so it stays a positive INTEGER.
    const serial = (await openssl(["rand", "-hex", "16"])).trim().replace(/^./, (c) => (parseInt(c, 16) & 7).toString(16)).toUpperCase();
    await writeFile(join(work, "serial"), `${serial}\n`);
    const signer = "self" in issuer ? ["-selfsign", "-keyfile", issuer.self] : ["-cert", issuer.certPem, "-keyfile", issuer.keyPem];
    const out = join(work, "cert.pem");
    await openssl([
      "ca", "-batch", "-config", join(work, "ca.cnf"), ...signer, "-in", csr, "-out", out,
      "-startdate", asn1Time(notBefore), "-enddate", asn1Time(notAfter),
      "-extensions", "ext", "-notext", "-preserveDN",
    ]);
    await writeAtomic(certPem, await readFile(out));
    if (!("self" in issuer)) await recordIssued(issuer, serial, notAfter, new X509Certificate(await readFile(out)).subject);
    return serial;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Issues the certificate of `files` for its key (a request made here, then signed). */
async function sign(
  files: CertFiles,
  issuer: CertFiles | "self",
  cn: string,
  kind: "ca" | "server" | "client",
  san: string[] | undefined,
  notBefore: Date,
  notAfter: Date,
): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "pki-req-"));
  try {
    const csr = join(work, "req.csr");
    await openssl(["req", "-new", "-key", files.keyPem, "-subj", `/CN=${cn}`, "-out", csr]);
    await signRequest(csr, files.certPem, issuer === "self" ? { self: files.keyPem } : issuer, kind, san, notBefore, notAfter);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  await writeDerForms(files);
}

/** PEM of DER bytes under `label` (RFC 7468). */
export function pem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64");
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** What a certification request says, once its signature verified with its own key. */
export interface RequestFacts {
  /** "CN=<name>" when the subject is one common name and nothing else, else a description of it. */
  subject: string;
  /** The public key's type and size ("rsa", 2048). */
  keyType: string;
  keyBits: number;
}

/** Checks a PKCS#10 request (RFC 2986, DER): its signature must verify with the key it carries (the
 *  requester holds that key). Throws when it does not parse or does not verify. (openssl 3.0's `req
 *  -verify` reports a failure but exits 0, so the check is made here.) */
export function checkRequest(csrDer: Uint8Array): RequestFacts {
  const request = expectTlv(csrDer, 0, SEQUENCE);
  const info = expectTlv(csrDer, request.value, SEQUENCE, request.end);
  const algorithm = expectTlv(csrDer, info.end, SEQUENCE, request.end);
  const signature = expectTlv(csrDer, algorithm.end, BIT_STRING, request.end);
  const version = readTlv(csrDer, info.value, info.end);
  const subject = expectTlv(csrDer, version.end, SEQUENCE, info.end);
  const spki = expectTlv(csrDer, subject.end, SEQUENCE, info.end);
  const key = createPublicKey({ key: Buffer.from(csrDer.subarray(spki.start, spki.end)), format: "der", type: "spki" });
  const hash = SIGNATURES.get(Buffer.from(csrDer.subarray(algorithm.start, algorithm.end)).toString("hex"));
  if (hash === undefined) throw new Error("the request is not signed with RSA and SHA-2");
  const signed = verify(hash, csrDer.subarray(info.start, info.end), key, csrDer.subarray(signature.value + 1, signature.end));
  if (!signed) throw new Error("the request's signature does not verify with its own key");
  return { subject: subjectText(csrDer.subarray(subject.start, subject.end)), keyType: key.asymmetricKeyType ?? "unknown", keyBits: key.asymmetricKeyDetails?.modulusLength ?? 0 };
}

/** sha{256,384,512}WithRSAEncryption AlgorithmIdentifiers (with their NULL parameters), DER in hex. */
const SIGNATURES = new Map([
  ["300d06092a864886f70d01010b0500", "sha256"],
  ["300d06092a864886f70d01010c0500", "sha384"],
  ["300d06092a864886f70d01010d0500", "sha512"],
]);

/** "CN=<name>" for a Name of one common name alone (what the device's subject is). */
function subjectText(name: Uint8Array): string {
  const outer = expectTlv(name, 0, SEQUENCE);
  const rdn = readTlv(name, outer.value, outer.end);
  const attribute = rdn.tag === 0x31 ? readTlv(name, rdn.value, rdn.end) : undefined;
  const alone = rdn.end === outer.end && attribute !== undefined && attribute.end === rdn.end;
  const cn = readCertificateName(name);
  return alone && cn !== undefined ? `CN=${cn}` : `a subject of ${outer.end} bytes that is not one CN`;
}

/** Signs a client certificate for the PKCS#10 request `csrDer` (checked first) with `issuer`, valid from a
 *  day ago for `notAfterDays`: the renewal service's and provisioning's way to certify a key made elsewhere. */
export async function signClientRequest(issuer: CertFiles, csrDer: Uint8Array, notAfterDays = 825): Promise<{ der: Uint8Array; serial: string }> {
  checkRequest(csrDer);
  const work = await mkdtemp(join(tmpdir(), "pki-issue-"));
  try {
    const csr = join(work, "req.csr");
    await writeFile(csr, pem("CERTIFICATE REQUEST", csrDer));
    const out = join(work, "cert.pem");
    const now = Date.now();
    const serial = await signRequest(csr, out, issuer, "client", undefined, new Date(now - DAY), new Date(now + notAfterDays * DAY));
    return { der: new Uint8Array(new X509Certificate(await readFile(out, "utf8")).raw), serial };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

type ValidityState = "valid" | "expired" | "not-yet-valid";

function stateOf(notBefore: number, notAfter: number, now: number): ValidityState {
  if (notAfter < now) return "expired";
  if (notBefore > now) return "not-yet-valid";
  return "valid";
}

/** DER of OID 2.5.29.35 (Authority Key Identifier), as it appears in a certificate's extensions. */
const AUTHORITY_KEY_IDENTIFIER_OID = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x23]);

/** Is the certificate on disk still the one asked for? */
async function upToDate(
  files: CertFiles,
  issuer: CertFiles | "self",
  spec: { cn: string; san?: string[]; keyType: KeyType; notBeforeDays: number; notAfterDays: number },
): Promise<boolean> {
  if (![files.certPem, files.certDer, files.keyPem, files.keyDer].every((p) => existsSync(p))) return false;
  const cert = new X509Certificate(await readFile(files.certPem));
  const key = createPrivateKey(await readFile(files.keyPem));
  if (key.asymmetricKeyType !== spec.keyType || !cert.checkPrivateKey(key)) return false;
  if (cert.subject !== `CN=${spec.cn}`) return false;
  if (!cert.raw.includes(AUTHORITY_KEY_IDENTIFIER_OID)) return false; // issued before the root carried one
  const signer = issuer === "self" ? cert : new X509Certificate(await readFile(issuer.certPem));
  if (!cert.checkIssued(signer) || !cert.verify(signer.publicKey)) return false;
  const wanted = (spec.san ?? []).map((n) => (isIP(n) ? `IP Address:${n}` : `DNS:${n}`)).sort().join(",");
  const actual = (cert.subjectAltName ?? "").split(", ").filter(Boolean).sort().join(",");
  if (wanted !== actual) return false;
  // The validity state must be the intended one, with a margin so it does not flip soon.
  const now = Date.now();
  const intended = stateOf(now + spec.notBeforeDays * DAY, now + spec.notAfterDays * DAY, now);
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  const margin = MARGIN_DAYS * DAY;
  if (intended === "valid") return from <= now && to - now > margin;
  if (intended === "expired") return to < now;
  return from - now > margin;
}

/** A self-signed root CA (RSA 2048, 10 years by default). Reused while valid for more than MARGIN_DAYS. */
export async function ensureCa(
  dir: string,
  name: string,
  cn: string,
  validity: { notBeforeDays?: number; notAfterDays?: number } = {},
): Promise<{ files: CertFiles; issued: boolean }> {
  await mkdir(dir, { recursive: true });
  const files = paths(dir, name);
  const spec = { cn, keyType: "rsa" as const, notBeforeDays: validity.notBeforeDays ?? -1, notAfterDays: validity.notAfterDays ?? 3650 };
  if (await upToDate(files, "self", spec)) return { files, issued: false };
  await ensureKey(files, "rsa");
  const now = Date.now();
  await sign(files, "self", cn, "ca", undefined, new Date(now + spec.notBeforeDays * DAY), new Date(now + spec.notAfterDays * DAY));
  return { files, issued: true };
}

/** A server or client certificate, issued when missing, stale, expiring or signed by another CA. */
export async function ensureLeaf(dir: string, spec: LeafSpec): Promise<{ files: CertFiles; issued: boolean }> {
  await mkdir(dir, { recursive: true });
  const files = paths(dir, spec.name);
  const full = {
    cn: spec.cn,
    san: spec.san,
    keyType: spec.keyType ?? "rsa",
    notBeforeDays: spec.notBeforeDays ?? -1,
    notAfterDays: spec.notAfterDays ?? 825,
  };
  if (await upToDate(files, spec.issuer, full)) return { files, issued: false };
  await ensureKey(files, full.keyType);
  const now = Date.now();
  await sign(
    files,
    spec.issuer,
    spec.cn,
    spec.usage,
    spec.san,
    new Date(now + full.notBeforeDays * DAY),
    new Date(now + full.notAfterDays * DAY),
  );
  return { files, issued: true };
}

export { withDirLock } from "./dir-lock.js";
