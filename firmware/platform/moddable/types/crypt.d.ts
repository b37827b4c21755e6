// The SDK's "crypt" module (modules/crypt/digest/crypt.js), as the bindings use it: mcconfig checks against
// the SDK's own typing of it (its typings/crypt.d.ts), so this file is not handed to mcconfig.
declare module "crypt" {
  export class Digest {
    constructor(type: "MD5" | "SHA1" | "SHA224" | "SHA256" | "SHA384" | "SHA512");
    write(message: string | ArrayBuffer): void;
    close(): ArrayBuffer;
  }
}
