// `npm run certs [-- --out DIR] [--host NAME]... [--device ID]...`
// `npm run certs -- --revoke ID`
// Generates (or refreshes) the dev PKI: root CA, broker certificate (SAN localhost, 127.0.0.1 and every
// --host), one RSA 2048 client certificate per --device (default wearable-001), the ingest and renewal
// clients, and the CA's revocation list. Idempotent: existing keys and certificates are reused while still
// valid and as requested. --revoke revokes every certificate the CA issued to a device (its renewals too)
// and writes a new CRL, which the broker refuses them by once restarted.
// See certs/README.md for the file layout and for using a cloud broker's certificates instead.

import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_DEVICE_ID, ensureDevPki } from "./dev-pki.js";
import { crlPath, revoke } from "./revocation.js";

const { values } = parseArgs({
  options: {
    out: { type: "string", default: "certs/out" },
    host: { type: "string", multiple: true, default: [] },
    device: { type: "string", multiple: true, default: [] },
    revoke: { type: "string", multiple: true, default: [] },
    help: { type: "boolean", default: false },
  },
});

if (values.help) {
  console.log("usage: npm run certs -- [--out DIR] [--host NAME]... [--device ID]...\n       npm run certs -- [--out DIR] --revoke ID...");
} else if (values.revoke.length > 0) {
  const out = resolve(values.out);
  const pki = await ensureDevPki({ out, devices: [] });
  for (const id of values.revoke) {
    try {
      const serials = await revoke(pki.ca, id, [join(out, `device-${id}.pem`)]);
      console.log(serials.length > 0 ? `revoked ${id}: ${serials.join(", ")}` : `${id} was revoked already`);
    } catch (error) {
      console.error(`revoke ${id}: ${(error as Error).message}`);
      process.exitCode = 1;
    }
  }
  console.log(`CRL ${crlPath(pki.ca)}: restart the broker to refuse them`);
} else {
  const devices = values.device.length > 0 ? values.device : [DEFAULT_DEVICE_ID];
  const pki = await ensureDevPki({ out: resolve(values.out), hosts: values.host, devices });
  console.log(`dev PKI in ${pki.dir}`);
  console.log(pki.issued.length > 0 ? `issued: ${pki.issued.join(", ")}` : "everything up to date");
  console.log(`  CA          ${pki.ca.certPem} (.der for the device)`);
  console.log(`  broker      ${pki.broker.certPem}, key ${pki.broker.keyPem}`);
  console.log(`  ingest      ${pki.ingest.certPem}`);
  console.log(`  renewal     ${pki.renewal.certPem}`);
  console.log(`  CRL         ${pki.crl}`);
  for (const [id, files] of Object.entries(pki.devices)) {
    console.log(`  ${id.padEnd(11)} ${files.certDer}, key ${files.keyDer} (PKCS#8 DER)`);
  }
}
