// A host name that could not be resolved before opening the device's socket (the ECMA-419 TCP socket
// takes an IP address only), reported through the socket's onError like any failed connection.
export class DnsError extends Error {
  // A field, not `this.name = ...`: on the Moddable runtime Error.prototype is frozen (in ROM), and assigning
  // over a frozen inherited property throws in strict code; a class field defines an own property instead.
  override readonly name = "DnsError";
  readonly code = "dns-unresolved";
  readonly host: string;
  constructor(host: string) {
    super(`DNS: cannot resolve ${host}`);
    this.host = host;
  }
}
