// A connection that failed for a network reason, as a value with a code: nobody refused anything at the TLS
// or MQTT level, so the client retries (with backoff). Raised by socket bindings through onError.
import { CodedError } from "../common/coded-error.js";

export type NetworkErrorCode =
  | "connection-refused" // nothing listens at the address (TCP RST to our SYN)
  | "connection-lost" // reset or closed by the peer or the path (also during a TLS handshake, with no alert)
  | "network-down"; // the device has no network (Wi-Fi lost): the connection was dropped on purpose

export class NetworkError extends CodedError<NetworkErrorCode> {
  override readonly name: string = "NetworkError";
  /** It happened while the TLS handshake was running, without a word of TLS from the peer (a port that is
   *  not a TLS endpoint looks like this too, but so does a bad network: it is reported, never counted). */
  readonly duringTlsHandshake: boolean;
  constructor(code: NetworkErrorCode, message: string, duringTlsHandshake = false) {
    super(code, message);
    this.duringTlsHandshake = duringTlsHandshake;
  }
}
