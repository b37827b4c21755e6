// Needles for "never log a secret": a password in the forms it could leak in (plain, hex, base64) and a
// private key in the forms a careless log line would print it (PEM lines, base64 of the DER, hex, the
// element lists of util.inspect / JSON of its bytes). Used by test/tls/secrets.test.ts; reusable for any
// captured output (e.g. the CLI's).

import { inspect } from "node:util";

export interface Needle {
  what: string;
  text: string;
}

/**
 * The first ~26 bytes of a PKCS#8 key (version, algorithm) are the same for every key of a type; the window
 * starts after them, and early enough that util.inspect (which shows the first 50 bytes of a Buffer and
 * the first 100 elements of a Uint8Array) would print it.
 */
const KEY_BODY_OFFSET = 30;
const WINDOW = 16;

export function passwordNeedles(label: string, password: string): Needle[] {
  const bytes = Buffer.from(password, "utf8");
  return [
    { what: `${label} password`, text: password },
    { what: `${label} password (hex)`, text: bytes.toString("hex") },
    { what: `${label} password (base64)`, text: bytes.toString("base64").replace(/=+$/, "") },
  ];
}

export function keyNeedles(label: string, keyDer: ArrayBuffer, keyPem: string): Needle[] {
  const der = Buffer.from(new Uint8Array(keyDer));
  const window = der.subarray(KEY_BODY_OFFSET, KEY_BODY_OFFSET + WINDOW);
  const numbers = Array.from(window);
  const needles: Needle[] = [
    { what: `${label} key (hex)`, text: window.toString("hex") },
    { what: `${label} key (hex, spaced as util.inspect prints a Buffer)`, text: Array.from(window, (b) => b.toString(16).padStart(2, "0")).join(" ") },
    // util.inspect pads and wraps number arrays; findSecrets also looks in the text without whitespace.
    { what: `${label} key (bytes as a number list)`, text: numbers.join(",") },
  ];
  // Every full line of the PEM body (the base64 of the DER) except the first, which is the shared wrapper.
  const lines = keyPem.split("\n").filter((l) => /^[A-Za-z0-9+/]{64}$/.test(l));
  for (const [i, line] of lines.slice(1).entries()) needles.push({ what: `${label} key (PEM line ${i + 2})`, text: line });
  needles.push({ what: `${label} key (PEM header)`, text: "PRIVATE KEY-----" });
  return needles;
}

/** Everything an error can show: message, stack, own and hidden properties, cause, JSON. */
export function renderError(error: unknown): string {
  const parts = [String(error), inspect(error, { depth: 8, showHidden: true })];
  if (error instanceof Error && error.stack) parts.push(error.stack);
  try {
    parts.push(JSON.stringify(error));
  } catch {
    parts.push("(not JSON-serialisable)");
  }
  return parts.join("\n");
}

/** The needles found in a text, by name. */
export function findSecrets(text: string, needles: Needle[]): string[] {
  const compact = text.replace(/\s+/g, "");
  return needles.filter((n) => text.includes(n.text) || (!/\s/.test(n.text) && compact.includes(n.text))).map((n) => n.what);
}
