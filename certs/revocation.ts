// What a CA issued, what it revoked, and the CRL a broker checks client certificates against (mosquitto's
// `crlfile`, certs/mosquitto.conf). Each CA keeps its issuance record beside its key, `<name>-index.txt`,
// in the format of openssl ca's database (one certificate a line: V or R, expiry, revocation date, serial,
// file, subject), which `openssl ca -gencrl` turns into `<name>-crl.pem`.
//
//   await revoke(ca, "wearable-007")   // every certificate issued to CN wearable-007, then a new CRL
//   await ensureCrl(ca)                // a CRL exists and is current (npm run certs, the test PKI)
import { X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { withDirLock } from "./dir-lock.js";
import { asn1Time, openssl, writeAtomic } from "./openssl.js";

const DAY = 86_400_000;
/** How long a CRL is valid (its nextUpdate). A broker refuses every client once its CRL is past that. */
export const CRL_DAYS = 365;
/** A CRL closer than this to its nextUpdate is issued again. */
const CRL_MARGIN_DAYS = 30;

/** A CA as certs/pki.ts names its files. */
export interface CaFiles {
  name: string;
  certPem: string;
  keyPem: string;
}

export function indexPath(ca: CaFiles): string {
  return join(dirname(ca.certPem), `${ca.name}-index.txt`);
}

export function crlPath(ca: CaFiles): string {
  return join(dirname(ca.certPem), `${ca.name}-crl.pem`);
}

/** UTCTime as openssl's database writes it: YYMMDDHHMMSSZ. */
function utcTime(date: Date): string {
  return asn1Time(date).slice(2);
}

/** openssl's one-line subject: "/CN=x" from node's "CN=x" (one attribute a line). */
function subjectLine(subject: string): string {
  return "/" + subject.split("\n").join("/");
}

interface Entry {
  status: string;
  expiry: string;
  revoked: string;
  serial: string;
  subject: string;
}

function parseIndex(text: string): Entry[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [status, expiry, revoked, serial, , subject] = line.split("\t");
      return { status, expiry, revoked, serial, subject };
    });
}

function formatIndex(entries: Entry[]): string {
  return entries.map((e) => `${e.status}\t${e.expiry}\t${e.revoked}\t${e.serial}\tunknown\t${e.subject}\n`).join("");
}

/** Records a certificate `ca` signed (certs/pki.ts calls it for every one). */
export async function recordIssued(ca: CaFiles, serial: string, notAfter: Date, subject: string): Promise<void> {
  await appendFile(indexPath(ca), formatIndex([{ status: "V", expiry: utcTime(notAfter), revoked: "", serial: serial.toUpperCase(), subject: subjectLine(subject) }]));
}

async function readIndex(ca: CaFiles): Promise<Entry[]> {
  return existsSync(indexPath(ca)) ? parseIndex(await readFile(indexPath(ca), "utf8")) : [];
}

function commonNameOf(subject: string): string | undefined {
  const part = subject.split("/").find((p) => p.startsWith("CN="));
  return part?.slice(3);
}

/** Whether `ca` revoked every certificate it issued to `commonName` (a device re-provisioned since has a
 *  valid one again). */
export async function isRevoked(ca: CaFiles, commonName: string): Promise<boolean> {
  const mine = (await readIndex(ca)).filter((e) => commonNameOf(e.subject) === commonName);
  return mine.length > 0 && mine.every((e) => e.status === "R");
}

/**
 * Revokes every certificate `ca` issued to `commonName` (all its renewals too), and writes a new CRL.
 * Certificates in `extra` files (PEM) count as issued too (a device certificate made before the record
 * existed). Returns the serials revoked now; throws when `ca` never issued one to that name.
 */
export async function revoke(ca: CaFiles, commonName: string, extra: string[] = []): Promise<string[]> {
  return withDirLock(dirname(ca.certPem), async () => {
    const entries = await readIndex(ca);
    for (const file of extra.filter((f) => existsSync(f))) {
      const cert = new X509Certificate(await readFile(file));
      if (!entries.some((e) => e.serial === cert.serialNumber.toUpperCase())) {
        entries.push({ status: "V", expiry: utcTime(new Date(cert.validTo)), revoked: "", serial: cert.serialNumber.toUpperCase(), subject: subjectLine(cert.subject) });
      }
    }
    const mine = entries.filter((e) => commonNameOf(e.subject) === commonName);
    if (mine.length === 0) throw new Error(`no certificate of CN ${commonName} in ${indexPath(ca)}`);
    const now = utcTime(new Date());
    const revoked: string[] = [];
    for (const e of mine) {
      if (e.status === "R") continue;
      e.status = "R";
      e.revoked = now;
      revoked.push(e.serial);
    }
    await writeAtomic(indexPath(ca), formatIndex(entries));
    await writeCrl(ca, entries);
    return revoked;
  });
}

/** Writes the CRL of `ca` from its record, valid for CRL_DAYS. */
async function writeCrl(ca: CaFiles, entries: Entry[]): Promise<void> {
  await issueCrl(ca, entries.filter((e) => e.status === "R"), crlPath(ca));
}

/** A CRL from `ca` that lists exactly `serials` (hex), written to `out`: for a broker of a test that must
 *  refuse one certificate and no other. */
export async function crlListing(ca: CaFiles, serials: string[], out: string): Promise<void> {
  const now = utcTime(new Date());
  const expiry = utcTime(new Date(Date.now() + CRL_DAYS * DAY));
  await issueCrl(ca, serials.map((serial) => ({ status: "R", expiry, revoked: now, serial: serial.toUpperCase(), subject: "/CN=unknown" })), out);
}

async function issueCrl(ca: CaFiles, revoked: Entry[], outPath: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "pki-crl-"));
  try {
    await writeFile(join(work, "index.txt"), formatIndex(revoked));
    // Increasing from CRL to CRL (RFC 5280 section 5.2.3): the time, as an even number of hex digits.
    const number = Date.now().toString(16).toUpperCase();
    await writeFile(join(work, "crlnumber"), `${number.length % 2 ? "0" : ""}${number}\n`);
    const config = ["[ca]", "default_ca = scratch", "[scratch]", `database = ${join(work, "index.txt")}`, `crlnumber = ${join(work, "crlnumber")}`, "default_md = sha256", ""].join("\n");
    await writeFile(join(work, "ca.cnf"), config);
    const out = join(work, "crl.pem");
    await openssl(["ca", "-gencrl", "-batch", "-config", join(work, "ca.cnf"), "-cert", ca.certPem, "-keyfile", ca.keyPem, "-crldays", String(CRL_DAYS), "-out", out]);
    await writeAtomic(outPath, await readFile(out));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A current CRL for `ca`: written when missing, older than the record or the CA, or near its nextUpdate.
 *  Returns its path. Call it inside the directory's lock (certs/dev-pki.ts does). */
export async function ensureCrl(ca: CaFiles): Promise<string> {
  const path = crlPath(ca);
  if (await crlCurrent(ca, path)) return path;
  await writeCrl(ca, await readIndex(ca));
  return path;
}

async function crlCurrent(ca: CaFiles, path: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  const written = (await stat(path)).mtimeMs;
  if (existsSync(indexPath(ca)) && (await stat(indexPath(ca))).mtimeMs > written) return false;
  if ((await stat(ca.certPem)).mtimeMs > written) return false; // a new CA: the old CRL is not its own
  const next = Date.parse((await openssl(["crl", "-in", path, "-noout", "-nextupdate"])).trim().replace(/^nextUpdate=/, ""));
  return Number.isFinite(next) && next - Date.now() > CRL_MARGIN_DAYS * DAY;
}
