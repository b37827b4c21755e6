// `npm run provision -- --device ID (--home DIR | --image FILE) [--days N] [--ca FILE]... [--certs DIR]`
// `npm run provision -- --device ID --csr DIR`                        a key and a CSR for a real CA
// `npm run provision -- --device ID --key FILE --cert FILE --ca FILE... (--home DIR | --image FILE)`
// Writes a device's identity in the device's format (certs/provisioning.ts): the image of its credentials
// store, for the Moddable simulator (a HOME) or for the esp32's identity partition (flashed with esptool).
// See certs/README.md for the life of a device identity, from the factory to revocation.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { provision, requestFor } from "./provisioning.js";

const USAGE = `usage: npm run provision -- --device ID (--home DIR | --image FILE) [--days N] [--ca FILE]... [--certs DIR]
       npm run provision -- --device ID --csr DIR
       npm run provision -- --device ID --key FILE --cert FILE --ca FILE... (--home DIR | --image FILE)

  --device ID    the device id: the certificate's CN, its MQTT client id and topic level
  --home DIR     a Moddable simulator HOME: writes DIR/flash/identity.bin
  --image FILE   an image of the esp32's identity partition, for esptool (the command is printed)
  --days N       validity of the dev CA's certificate (default 825)
  --ca FILE      a CA certificate the device trusts besides the dev CA (PEM, several in one file, or DER);
                 with --key and --cert: the CA certificates it trusts
  --certs DIR    the dev PKI (default certs/out)
  --csr DIR      write DIR/ID-key.pem and DIR/ID.csr for a real CA instead; bring its answer back with
                 --key DIR/ID-key.pem --cert <signed certificate>`;

const { values } = parseArgs({
  options: {
    device: { type: "string" },
    home: { type: "string" },
    image: { type: "string" },
    days: { type: "string" },
    ca: { type: "string", multiple: true, default: [] },
    certs: { type: "string", default: "certs/out" },
    csr: { type: "string" },
    key: { type: "string" },
    cert: { type: "string" },
    help: { type: "boolean", default: false },
  },
});

try {
  if (values.help || values.device === undefined) {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
  } else if (values.csr !== undefined) {
    const { key, csr } = await requestFor(values.device, resolve(values.csr));
    console.log(`key ${key} (keep it on this station), request ${csr}: have it signed, then`);
    console.log(`  npm run provision -- --device ${values.device} --key ${key} --cert <signed certificate> --ca <root CA> --image <file>`);
  } else {
    const days = values.days === undefined ? undefined : Number(values.days);
    if (days !== undefined && !(Number.isInteger(days) && days > 0)) throw new Error(`--days ${values.days}: a whole number of days`);
    const done = await provision({
      deviceId: values.device,
      pkiDir: resolve(values.certs),
      ...(values.home !== undefined ? { home: resolve(values.home) } : {}),
      ...(values.image !== undefined ? { image: resolve(values.image) } : {}),
      ...(days !== undefined ? { notAfterDays: days } : {}),
      ...(values.key !== undefined ? { key: values.key } : {}),
      ...(values.cert !== undefined ? { certificate: values.cert } : {}),
      authorities: values.ca,
    });
    console.log(`${done.deviceId}: certificate ${done.serial}, valid until ${done.notAfter.toISOString()}, in ${done.path}`);
    if (done.offset !== undefined) {
      const offset = `0x${done.offset.toString(16)}`;
      console.log(`flash it:  esptool.py --chip esp32 write_flash ${offset} ${done.path}`);
      console.log(`       or: parttool.py write_partition --partition-name identity --input ${done.path}`);
    }
  }
} catch (error) {
  console.error(`provision: ${(error as Error).message}`);
  process.exitCode = 1;
}
