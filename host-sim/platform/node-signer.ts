// The Signer port under Node: RSA PKCS#1 v1.5 over SHA-256 with node:crypto, the key as PKCS#8 DER (the
// device signs the same way with the SDK's crypt modules, firmware/platform/moddable/rsa-signer.ts).
import { createPrivateKey, sign } from "node:crypto";
import type { Signer } from "../../firmware/platform/ports.js";

export const nodeSigner: Signer = (key, data) => {
  const privateKey = createPrivateKey({ key: Buffer.from(key.buffer, key.byteOffset, key.byteLength), format: "der", type: "pkcs8" });
  const signature = sign("sha256", data, privateKey);
  return signature.buffer.slice(signature.byteOffset, signature.byteOffset + signature.byteLength) as ArrayBuffer;
};
