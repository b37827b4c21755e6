// The openssl CLI and the small file helpers the PKI scripts share (certs/pki.ts, certs/revocation.ts).
import { execFile } from "node:child_process";
import { rename, writeFile } from "node:fs/promises";

export function openssl(args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("openssl", args, { cwd, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      // stderr of openssl may mention file names but never prints key material.
      if (error) reject(new Error(`openssl ${args[0]} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/** openssl ca date: YYYYMMDDHHMMSSZ (GeneralizedTime, accepted by OpenSSL 3). */
export function asn1Time(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, "").replace(/\.\d+Z$/, "Z");
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
export async function writeAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, data, { mode });
  await rename(temp, path);
}
