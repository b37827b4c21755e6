// `npm run certs [-- --out DIR] [--host NAME]... [--device ID]...`
// Generates (or refreshes) the dev PKI: root CA, broker certificate (SAN localhost, 127.0.0.1 and every
// --host), one RSA 2048 client certificate per --device (default wearable-001) and the ingest client.
// Idempotent: existing keys and certificates are reused while still valid and as requested.
// See certs/README.md for the file layout and for using a cloud broker's certificates instead.

import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_DEVICE_ID, ensureDevPki } from "./dev-pki.js";

const { values } = parseArgs({
  options: {
    out: { type: "string", default: "certs/out" },
    host: { type: "string", multiple: true, default: [] },
    device: { type: "string", multiple: true, default: [] },
    help: { type: "boolean", default: false },
  },
});

if (values.help) {
  console.log("usage: npm run certs -- [--out DIR] [--host NAME]... [--device ID]...");
} else {
  const devices = values.device.length > 0 ? values.device : [DEFAULT_DEVICE_ID];
  const pki = await ensureDevPki({ out: resolve(values.out), hosts: values.host, devices });
  console.log(`dev PKI in ${pki.dir}`);
  console.log(pki.issued.length > 0 ? `issued: ${pki.issued.join(", ")}` : "everything up to date");
  console.log(`  CA          ${pki.ca.certPem} (.der for the device)`);
  console.log(`  broker      ${pki.broker.certPem}, key ${pki.broker.keyPem}`);
  console.log(`  ingest      ${pki.ingest.certPem}`);
  for (const [id, files] of Object.entries(pki.devices)) {
    console.log(`  ${id.padEnd(11)} ${files.certDer}, key ${files.keyDer} (PKCS#8 DER)`);
  }
}
