// The MQTT client: the application's face of one session over a sequence of network connections. It talks
// only to the ports (ECMA-419 socket class, clock), so the same code runs on the ESP32 under XS and on the
// host under Node.
//
// Guarantees, with the spec rule each one rests on:
// - an acknowledged QoS 1/2 publish completes exactly once; an unacknowledged one is kept until it is
//   (resent with DUP=1 on session resume, MQTT 4.4; sent as new when the broker lost the session);
// - at most `inflight` (and never more than the server's Receive Maximum, 5.0 section 3.3.4) QoS 1/2
//   publishes are unacknowledged; the queue behind them is bounded and refuses with QueueFullError;
// - no write exceeds the socket's writable count;
// - a broken packet from the broker closes the connection with a typed error and reconnects (4.13);
// - while the platform has no network nothing is attempted, and nothing counts against the broker.
//
// Where each job lives: the connection lifecycle in connection.ts, where the next attempt goes (failover,
// backoff, persistent failures) in reconnect.ts, flow control in flow.ts, incoming packets in incoming.ts,
// deadlines in timers.ts.
import { asError } from "../common/as-error.js";
import { encodeUtf8 } from "../common/utf8.js";
import { encode } from "../codec/encode.js";
import { PUBLISH } from "../codec/fixed-header.js";
import type { Packet, Properties, Subscription } from "../codec/packets.js";
import { propertiesLength } from "../codec/properties.js";
import { ReasonCode } from "../codec/protocol-error.js";
import { validateTopicName } from "../codec/topics.js";
import { call, complete, settle } from "./callbacks.js";
import { ClientError, QueueFullError } from "./client-errors.js";
import { Connection, State } from "./connection.js";
import type { DisconnectOptions, MqttClientOptions, PublishOptions, SubscribeCallback } from "./options.js";
import { MESSAGE_OVERHEAD, MessageState, type Completion } from "./outgoing.js";
import { subscriptionList, topicFilterList } from "./subscriptions.js";

export class MqttClient {
  readonly #c: Connection;

  constructor(options: MqttClientOptions) {
    if (!options.brokers || options.brokers.length === 0) throw new ClientError("invalid-argument", "no brokers");
    // 3.1.1 section 3.1.3.1 [MQTT-3.1.3-7]: a zero-length Client Identifier requires Clean Session = 1.
    if ((options.protocolVersion ?? 4) === 4 && !options.clientId && options.cleanStart === false) {
      throw new ClientError("invalid-argument", "an empty client id needs a clean session (MQTT-3.1.3-7)");
    }
    if (options.will) validateTopicName(options.will.topic);
    this.#c = new Connection(options);
  }

  /** Start connecting (and keep reconnecting until close()); while the network is down, once it is back. */
  connect(): void {
    if (this.#c.state === State.Closed) throw new ClientError("client-closed", "client closed");
    this.#c.start();
  }

  /**
   * Tell the client whether the platform has a network (default: it has). Without one the connection in
   * hand is dropped (reported through onDisconnect as NetworkError "network-down"), no attempt is made and
   * no failure counted; when it returns the client connects at once.
   */
  networkChanged(available: boolean): void {
    this.#c.networkChanged(available);
  }

  get connected(): boolean {
    return this.#c.connected;
  }

  /**
   * Ends the connection in hand cleanly (DISCONNECT: the broker discards the will) and connects again at
   * once, e.g. with new credentials in `secure`; the session resumes as after any reconnection. A client
   * waiting to retry tries now; one without a network, not started or closed is left as it is.
   */
  reconnect(): void {
    this.#c.restart();
  }

  /** Messages waiting to be sent (not in flight). */
  get queued(): number {
    return this.#c.queue.length;
  }

  /** QoS 1/2 messages sent and not yet acknowledged. */
  get inflight(): number {
    return this.#c.session.inflight.size;
  }

  /** The client identifier in use (the server may assign one, MQTT 5.0 section 3.2.2.3.7). */
  get identifier(): string {
    return this.#c.clientId;
  }

  /**
   * Queue a message. `done` is called exactly once: without an error when QoS 0 bytes were handed to the
   * socket or the QoS 1/2 flow completed; with a ClientError when the broker refused it (v5 reason >=
   * 0x80), it can never be sent (too large, retain unsupported) or close() came first.
   * Throws QueueFullError ('queue-full') when the client already holds its message or byte limit (the
   * message is not taken and `done` is never called), ProtocolError for an invalid topic or an MQTT 5
   * property a PUBLISH may not carry (3.3.2.3), ClientError ('invalid-argument') for a bad QoS, a
   * Subscription Identifier [MQTT-3.3.4-6] or a closed client. A Topic Alias above the server's Topic Alias
   * Maximum fails the message through `done` once the server's maximum is known. Loops that fill the queue
   * should use tryPublish(): no exception per refusal. `done` is called with `target` as `this`, so one shared
   * function can complete many messages (no closure per message).
   */
  publish(topic: string, payload: Uint8Array | string, options?: PublishOptions, done?: Completion, target?: unknown): void {
    if (!this.tryPublish(topic, payload, options, done, target)) {
      throw new QueueFullError(`queue full (${this.#c.queue.length} queued, ${this.#c.session.inflight.size} in flight)`);
    }
  }

  /**
   * publish() that answers 'queue full' with false instead of throwing: the hot path of backpressure
   * (publish until false, resume on a completion). Other errors still throw.
   */
  tryPublish(topic: string, payload: Uint8Array | string, options?: PublishOptions, done?: Completion, target?: unknown): boolean {
    const c = this.#c;
    if (c.state === State.Closed) throw new ClientError("client-closed", "client closed");
    validateTopicName(topic);
    const qos = options?.qos ?? 0;
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new ClientError("invalid-argument", `QoS ${String(qos)}`);
    if (options?.properties && c.protocolVersion === 5) checkPublishProperties(options.properties);
    const bytes = typeof payload === "string" ? encodeUtf8(payload) : payload;
    const size = bytes.length + topic.length + MESSAGE_OVERHEAD;
    if (!c.queue.fits(size, c.session.inflight.size, c.session.inflightBytes)) return false;
    c.queue.push({
      topic,
      payload: bytes,
      qos,
      retain: options?.retain ?? false,
      properties: options?.properties,
      done,
      target,
      packetId: 0,
      state: MessageState.Queued,
      size,
    });
    c.queued();
    return true;
  }

  /** Subscribe; `done(error, reasonCodes)` gives the granted QoS or failure code (>= 0x80) per filter. */
  subscribe(
    subscriptions: string | Subscription | Subscription[],
    options?: { properties?: Properties },
    done?: SubscribeCallback,
  ): void {
    if (this.#c.state === State.Closed) throw new ClientError("client-closed", "client closed");
    const list = subscriptionList(subscriptions);
    this.#c.request({ type: "subscribe", packetId: 0, subscriptions: list, properties: options?.properties }, done);
  }

  /**
   * Unsubscribe; the filters are forgotten at once, so a lost session does not re-subscribe them (messages
   * the broker sent before its UNSUBACK are still delivered). `done` gets the 5.0 reason codes (3.1.1: 0s).
   */
  unsubscribe(topicFilters: string | string[], options?: { properties?: Properties }, done?: SubscribeCallback): void {
    if (this.#c.state === State.Closed) throw new ClientError("client-closed", "client closed");
    const list = topicFilterList(topicFilters);
    this.#c.session.subscriptions.forget(list);
    this.#c.request({ type: "unsubscribe", packetId: 0, topicFilters: list, properties: options?.properties }, done);
  }

  /**
   * Ends the connection in hand on purpose and keeps the client (and the session: with Clean Start 0 and,
   * over MQTT 5, a Session Expiry Interval, the broker keeps the subscriptions and what it has not
   * delivered) until connect() is called again: a duty-cycled device between uploads. Connected, the
   * DISCONNECT goes out first (the will is discarded, MQTT 3.1.2.5) and the socket is released once the
   * broker has closed the connection, or after `lingerMs` (default 2 000). Messages not yet acknowledged
   * stay, and go again on the next connection (MQTT 4.4). `done` is called with `target` as `this` once the
   * socket is gone (not when closed meanwhile). MQTT 5: `options` as close()'s.
   */
  disconnect(done?: (this: unknown) => void, target?: unknown, options?: DisconnectOptions & { lingerMs?: number }): void {
    const c = this.#c;
    if (c.state === State.Closed) throw new ClientError("client-closed", "client closed");
    const packet = c.protocolVersion === 5 ? disconnectPacket(c.options, options) : { type: "disconnect" as const };
    c.disconnect(packet, options?.lingerMs ?? 2000, done, target);
  }

  /**
   * Disconnect cleanly (DISCONNECT when connected), release socket and timers, fail what is pending. MQTT 5:
   * `options` give the DISCONNECT a reason code and properties, e.g. `{ sessionExpiryInterval: 0 }` to end
   * the session on purpose (3.14.2.2.2). Throws ClientError ('invalid-argument') for a DISCONNECT the
   * client may not send; the client is then not closed.
   */
  close(options?: DisconnectOptions): void {
    const c = this.#c;
    if (c.state === State.Closed) return;
    c.close(c.protocolVersion === 5 ? disconnectPacket(c.options, options) : { type: "disconnect" });
    const closed = new ClientError("client-closed", "client closed");
    const messages = c.queue.drain();
    for (const m of c.session.inflight.values()) messages.push(m);
    c.session.inflight.clear();
    for (const m of messages) complete(c.options, m, closed);
    for (const r of c.session.subscriptions.drain()) settle(c.options, r.done, closed, []);
    call(c.options, c.options.onClose);
  }
}

/** The MQTT 5 DISCONNECT close() sends: checked (and encoded once) before anything closes. */
function disconnectPacket(client: MqttClientOptions, options: DisconnectOptions | undefined): Packet {
  const properties: Properties = {};
  if (options?.sessionExpiryInterval !== undefined) {
    // [MQTT-3.14.2-2]: no non-zero Session Expiry Interval on DISCONNECT when CONNECT sent 0 (or none).
    if (options.sessionExpiryInterval !== 0 && !((client.sessionExpiryInterval ?? 0) > 0)) {
      throw new ClientError("invalid-argument", "a Session Expiry Interval on DISCONNECT needs one on CONNECT (MQTT-3.14.2-2)");
    }
    properties.sessionExpiryInterval = options.sessionExpiryInterval;
  }
  if (options?.reasonString !== undefined) properties.reasonString = options.reasonString;
  const disconnect: Packet = { type: "disconnect", reasonCode: options?.reasonCode ?? ReasonCode.Success, properties };
  try {
    encode(disconnect, 5); // a reason code or property it may not carry fails here
  } catch (error) {
    throw new ClientError("invalid-argument", `DISCONNECT: ${asError(error).message}`);
  }
  return disconnect;
}

/** The properties an application may give a PUBLISH (MQTT 5.0 section 3.3.2.3): those a PUBLISH may carry,
 *  valid, and no Subscription Identifier, which only a server sends [MQTT-3.3.4-6]. */
function checkPublishProperties(properties: Properties): void {
  if (properties.subscriptionIdentifiers !== undefined) {
    throw new ClientError("invalid-argument", "a client must not send a Subscription Identifier (MQTT-3.3.4-6)");
  }
  propertiesLength(properties, PUBLISH); // throws a ProtocolError naming the property and the rule
}
