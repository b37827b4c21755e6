// Errors the MQTT client reports (through onError / onDisconnect / completion callbacks). Each carries a
// `code` a caller can switch on; codec errors arrive as ProtocolError from errors.ts.
import { CodedError } from "../common/coded-error.js";
import type { PublishResponse } from "../codec/packets.js";

export type ClientErrorCode =
  | "connack-refused" // the broker refused CONNECT: see reasonCode
  | "connect-timeout" // no CONNACK within connectTimeout
  | "ping-timeout" // no PINGRESP within pingTimeout: the link is dead
  | "queue-full" // the outgoing queue is at its message or byte limit
  | "publish-refused" // MQTT 5 PUBACK / PUBREC with a reason code >= 0x80
  | "subscribe-refused" // an automatic re-subscribe (after a lost session) got a failure code >= 0x80
  | "packet-too-large" // larger than the server's Maximum Packet Size (MQTT 5.0 section 3.2.2.3.6)
  | "message-too-large" // an incoming message larger than our maximumPacketSize: skipped (acknowledged)
  | "retain-not-supported" // server said Retain Available = 0 (MQTT 5.0 section 3.2.2.3.5)
  | "server-disconnect" // the broker sent DISCONNECT (MQTT 5.0 section 3.14)
  | "connection-lost" // the socket failed or the peer closed it
  | "reconnecting" // the application asked for a new connection (reconnect()), e.g. with new credentials
  | "persistent-failure" // the broker refused the client the same way several times in a row: see cause
  | "client-closed" // close() was called before the operation completed
  | "invalid-argument"; // a topic, QoS or option the client will not send

export class ClientError extends CodedError<ClientErrorCode> {
  override readonly name: string = "ClientError";
  /** MQTT 5 reason code (or 3.1.1 CONNACK return code) when the broker gave one. */
  readonly reasonCode?: number;
  /** MQTT 5 Reason String when the broker gave one. */
  readonly reasonString?: string;
  constructor(code: ClientErrorCode, message: string, reasonCode?: number, reasonString?: string) {
    super(code, reasonString ? `${message}: ${reasonString}` : message);
    if (reasonCode !== undefined) this.reasonCode = reasonCode;
    if (reasonString !== undefined) this.reasonString = reasonString;
  }
}

/** CONNACK with a non-zero Connect Return code (3.1.1 section 3.2.2.3) or Reason Code (5.0 section 3.2.2.2). */
export class ConnackError extends ClientError {
  override readonly name: string = "ConnackError";
  /** Same number as reasonCode; the 3.1.1 name. */
  readonly returnCode: number;
  constructor(reasonCode: number, reasonString?: string) {
    super("connack-refused", `CONNACK refused with code 0x${reasonCode.toString(16)}`, reasonCode, reasonString);
    this.returnCode = reasonCode;
  }
}

/** publish() when the outgoing queue is full: the caller keeps the reading and retries later. */
export class QueueFullError extends ClientError {
  override readonly name: string = "QueueFullError";
  constructor(message: string) {
    super("queue-full", message);
  }
}

/** An incoming PUBLISH larger than the client accepts (its maximumPacketSize), skipped as it streamed in and
 *  acknowledged so the broker does not send it again (3.1.1; an MQTT 5 server never sends one). */
export class MessageTooLargeError extends ClientError {
  override readonly name: string = "MessageTooLargeError";
  readonly topic: string;
  /** The packet's size and our limit, bytes. */
  readonly size: number;
  readonly limit: number;
  constructor(topic: string, size: number, limit: number) {
    super("message-too-large", `message of ${size} bytes on ${topic} exceeds the limit of ${limit} bytes: skipped`);
    this.topic = topic;
    this.size = size;
    this.limit = limit;
  }
}

/**
 * The broker refused this client the same way several attempts in a row (the same TLS alert or certificate
 * verdict, or the same CONNACK refusal of the client: reconnect.ts): retrying is not going to fix it (a wrong
 * certificate, revoked or unknown credentials). Reported once per streak; the client keeps trying, but with
 * the long backoff cap.
 */
export class PersistentFailureError extends ClientError {
  override readonly name: string = "PersistentFailureError";
  /** The last failure of the streak (a TlsError or NetworkError). */
  override readonly cause: Error;
  readonly attempts: number;
  readonly broker: string;
  constructor(cause: Error, attempts: number, broker: string) {
    super("persistent-failure", `${attempts} attempts in a row to ${broker} failed the same way: ${cause.message}`);
    this.cause = cause;
    this.attempts = attempts;
    this.broker = broker;
  }
}

export class TimeoutError extends ClientError {
  override readonly name: string = "TimeoutError";
  constructor(code: "connect-timeout" | "ping-timeout", message: string) {
    super(code, message);
  }
}

/** A v5 PUBACK / PUBREC with a reason code >= 0x80 refuses the message (5.0 sections 3.4.2.1, 3.5.2.1). */
export function refusal(packet: PublishResponse<"puback" | "pubrec">): ClientError | undefined {
  const code = packet.reasonCode ?? 0;
  if (code < 0x80) return undefined;
  return new ClientError("publish-refused", `${packet.type.toUpperCase()} reason 0x${code.toString(16)}`, code, packet.properties?.reasonString);
}

/** Socket failures keep their type (TlsError...) when they have one; the rest become connection-lost. */
export function socketError(value: unknown): Error {
  if (value instanceof CodedError) return value;
  const message = value instanceof Error ? value.message : value === undefined ? "connection closed" : String(value);
  return new ClientError("connection-lost", message);
}
