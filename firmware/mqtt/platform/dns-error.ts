// A host name that could not be resolved before opening the device's socket (the ECMA-419 TCP socket
// takes an IP address only), reported through the socket's onError like any failed connection.
import { CodedError } from "../common/coded-error.js";
export class DnsError extends CodedError<"dns-unresolved"> {
  override readonly name: string = "DnsError";
  readonly host: string;
  constructor(host: string) {
    super("dns-unresolved", `DNS: cannot resolve ${host}`);
    this.host = host;
  }
}
