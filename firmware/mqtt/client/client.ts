// The MQTT client: one session over a sequence of network connections. It talks only to the ports
// (ECMA-419 socket class, clock), so the same code runs on the ESP32 under XS and on the host under Node.
//
// Guarantees, with the spec rule each one rests on:
// - an acknowledged QoS 1/2 publish completes exactly once; an unacknowledged one is kept until it is
//   (resent with DUP=1 on session resume, MQTT 4.4; sent as new when the broker lost the session);
// - at most `inflight` (and never more than the server's Receive Maximum, 5.0 section 3.3.4) QoS 1/2
//   publishes are unacknowledged; the queue behind them is bounded and refuses with QueueFullError;
// - no write exceeds the socket's writable count;
// - a broken packet from the broker closes the connection with a typed error and reconnects (4.13).
import { asError } from "../../common/as-error.js";
import { encodeUtf8 } from "../../common/utf8.js";
import type { Socket, CallbackThis } from "../../platform/ports.js";
import { PacketDecoder } from "../codec/decode.js";
import { encode } from "../codec/encode.js";
import { PUBLISH } from "../codec/fixed-header.js";
import type {
  Connack,
  Packet,
  Properties,
  ProtocolVersion,
  Subscribe,
  Subscription,
  Unsubscribe,
} from "../codec/packets.js";
import { propertiesLength } from "../codec/properties.js";
import { ProtocolError, ReasonCode, protocolError } from "../codec/protocol-error.js";
import { validateTopicName } from "../codec/topics.js";
import { ClientError, ConnackError, PersistentFailureError, QueueFullError, TimeoutError, socketError } from "./client-errors.js";
import { DEFAULT_KEEP_ALIVE, DEFAULT_MAXIMUM_PACKET_SIZE, ServerLimits, connectPacket } from "./connect.js";
import type { Broker, ConnectInfo, DisconnectOptions, MqttClientOptions, PublishOptions, SubscribeCallback } from "./options.js";
import { MESSAGE_OVERHEAD, MessageState, OutgoingQueue, encodePublish, resendInflight, type OutgoingMessage } from "./outgoing.js";
import { OutputBuffer, type WrittenOwner } from "./output.js";
import { SessionState } from "./session.js";
import { subscriptionList, topicFilterList } from "./subscriptions.js";
import { receive, type Receiver } from "./incoming.js";
import { Backoff, ClientTimers, type TimerOwner } from "./timers.js";
import { IncomingTopicAliases, OutgoingTopicAliases } from "./topic-aliases.js";

const State = {
  Idle: 0, // not started, or stopped after a failure with reconnect disabled
  Connecting: 1, // socket opening (TCP + TLS handshake)
  AwaitingConnack: 2, // CONNECT written
  Connected: 3,
  Waiting: 4, // backing off before the next attempt
  Closed: 5,
} as const;
type State = (typeof State)[keyof typeof State];

export class MqttClient implements TimerOwner, Receiver, WrittenOwner {
  /** @internal */
  readonly options: MqttClientOptions;
  /** @internal */
  readonly protocolVersion: ProtocolVersion;
  private readonly brokers: Broker[];
  private state: State = State.Idle;
  private socket: Socket | undefined;
  /** Bumped whenever a socket is abandoned, so late callbacks of an old socket are ignored. */
  private generation = 0;
  private readingGeneration = 0;
  private writable = 0;
  private brokerIndex = 0;
  private clientId: string;
  private cleanStartSent = true;
  private pumping = false;
  /** Per broker: the failure the attempts to it end in, and how many in a row (see handshakeFailure()). */
  private streaks: { key: string; count: number }[] | undefined;

  private readonly decoder: PacketDecoder;
  private readonly output = new OutputBuffer();
  private readonly queue: OutgoingQueue;
  /** @internal */
  readonly session: SessionState;
  /** @internal */
  readonly timers: ClientTimers;
  private readonly backoff: Backoff;
  // MQTT 5 only (3.1.1 has no topic aliases).
  private readonly aliasesOut: OutgoingTopicAliases | undefined;
  /** @internal */
  readonly aliasesIn: IncomingTopicAliases | undefined;

  private readonly server = new ServerLimits();
  /** @internal */
  readonly maximumPacketSize: number;

  // The socket's callbacks: shared functions with the client as their `target`, so the client holds no
  // closure for them. A socket binding makes no callback after close() (ports.ts), so a socket's callbacks
  // always concern the connection in hand.
  private static onSocketReadable(this: CallbackThis): void {
    (this.target as MqttClient).readable();
  }
  private static onSocketWritable(this: CallbackThis, count: number): void {
    (this.target as MqttClient).writableChanged(count);
  }
  private static onSocketError(this: CallbackThis, error?: Error): void {
    (this.target as MqttClient).connectionEnded(socketError(error));
  }

  constructor(options: MqttClientOptions) {
    if (!options.brokers || options.brokers.length === 0) throw new ClientError("invalid-argument", "no brokers");
    this.options = options;
    this.brokers = options.brokers;
    this.protocolVersion = options.protocolVersion ?? 4;
    this.clientId = options.clientId ?? "";
    // 3.1.1 section 3.1.3.1 [MQTT-3.1.3-7]: a zero-length Client Identifier requires Clean Session = 1.
    if (this.protocolVersion === 4 && this.clientId === "" && options.cleanStart === false) {
      throw new ClientError("invalid-argument", "an empty client id needs a clean session (MQTT-3.1.3-7)");
    }
    if (options.will) validateTopicName(options.will.topic);
    // A device cannot hold a 256 MB packet: bound what the decoder accepts (and tell a 5.0 server).
    this.maximumPacketSize = options.maximumPacketSize ?? DEFAULT_MAXIMUM_PACKET_SIZE;
    this.decoder = new PacketDecoder({
      protocolVersion: this.protocolVersion,
      maximumPacketSize: this.maximumPacketSize,
      // 3.1.1 cannot tell the server our limit: a larger PUBLISH is skipped and acknowledged, so a retained
      // one does not break every connection. An MQTT 5 server knows it [MQTT-3.1.2-24]: there it is an error.
      oversize: this.protocolVersion === 4 ? "skip" : "error",
    });
    this.session = new SessionState(this.protocolVersion === 5 ? options.receiveMaximum : undefined);
    this.queue = new OutgoingQueue(options.queue?.maxMessages ?? 1000, options.queue?.maxBytes ?? 256 * 1024);
    this.timers = new ClientTimers(options.clock, this);
    this.backoff = new Backoff(options.backoff?.base ?? 1000, options.backoff?.cap ?? 60_000, options.random ?? Math.random);
    if (this.protocolVersion === 5) {
      this.aliasesOut = new OutgoingTopicAliases();
      this.aliasesIn = new IncomingTopicAliases(options.topicAliasMaximum ?? 0);
    }
  }

  // ---- public API --------------------------------------------------------------------------------

  /** Start connecting (and keep reconnecting until close()). */
  connect(): void {
    if (this.state === State.Closed) throw new ClientError("client-closed", "client closed");
    if (this.state === State.Idle) this.openSocket();
  }

  get connected(): boolean {
    return this.state === State.Connected;
  }

  /** Messages waiting to be sent (not in flight). */
  get queued(): number {
    return this.queue.length;
  }

  /** QoS 1/2 messages sent and not yet acknowledged. */
  get inflight(): number {
    return this.session.inflight.size;
  }

  /** The client identifier in use (the server may assign one, MQTT 5.0 section 3.2.2.3.7). */
  get identifier(): string {
    return this.clientId;
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
   * should use tryPublish(): no exception per refusal.
   */
  publish(topic: string, payload: Uint8Array | string, options?: PublishOptions, done?: (error?: Error) => void): void {
    if (!this.tryPublish(topic, payload, options, done)) {
      throw new QueueFullError(`queue full (${this.queue.length} queued, ${this.session.inflight.size} in flight)`);
    }
  }

  /**
   * publish() that answers 'queue full' with false instead of throwing: the hot path of backpressure
   * (publish until false, resume on a completion). Other errors still throw.
   */
  tryPublish(topic: string, payload: Uint8Array | string, options?: PublishOptions, done?: (error?: Error) => void): boolean {
    if (this.state === State.Closed) throw new ClientError("client-closed", "client closed");
    validateTopicName(topic);
    const qos = options?.qos ?? 0;
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new ClientError("invalid-argument", `QoS ${String(qos)}`);
    if (options?.properties && this.protocolVersion === 5) checkPublishProperties(options.properties);
    const bytes = typeof payload === "string" ? encodeUtf8(payload) : payload;
    const size = bytes.length + topic.length + MESSAGE_OVERHEAD;
    if (!this.queue.fits(size, this.session.inflight.size, this.session.inflightBytes)) return false;
    this.queue.push({
      topic,
      payload: bytes,
      qos,
      retain: options?.retain ?? false,
      properties: options?.properties,
      done,
      packetId: 0,
      state: MessageState.Queued,
      size,
    });
    if (this.state === State.Connected) this.pump();
    return true;
  }

  /** Subscribe; `done(error, reasonCodes)` gives the granted QoS or failure code (>= 0x80) per filter. */
  subscribe(
    subscriptions: string | Subscription | Subscription[],
    options?: { properties?: Properties },
    done?: SubscribeCallback,
  ): void {
    if (this.state === State.Closed) throw new ClientError("client-closed", "client closed");
    const list = subscriptionList(subscriptions);
    this.request({ type: "subscribe", packetId: 0, subscriptions: list, properties: options?.properties }, done);
  }

  /**
   * Unsubscribe; the filters are forgotten at once, so a lost session does not re-subscribe them (messages
   * the broker sent before its UNSUBACK are still delivered). `done` gets the 5.0 reason codes (3.1.1: 0s).
   */
  unsubscribe(topicFilters: string | string[], options?: { properties?: Properties }, done?: SubscribeCallback): void {
    if (this.state === State.Closed) throw new ClientError("client-closed", "client closed");
    const list = topicFilterList(topicFilters);
    this.session.subscriptions.forget(list);
    this.request({ type: "unsubscribe", packetId: 0, topicFilters: list, properties: options?.properties }, done);
  }

  /**
   * Disconnect cleanly (DISCONNECT when connected), release socket and timers, fail what is pending. MQTT 5:
   * `options` give the DISCONNECT a reason code and properties, e.g. `{ sessionExpiryInterval: 0 }` to end
   * the session on purpose (3.14.2.2.2). Throws ClientError ('invalid-argument') for a DISCONNECT the
   * client may not send; the client is then not closed.
   */
  close(options?: DisconnectOptions): void {
    if (this.state === State.Closed) return;
    let disconnect: Packet = { type: "disconnect" };
    if (this.protocolVersion === 5) {
      const properties: Properties = {};
      if (options?.sessionExpiryInterval !== undefined) {
        // [MQTT-3.14.2-2]: no non-zero Session Expiry Interval on DISCONNECT when CONNECT sent 0 (or none).
        if (options.sessionExpiryInterval !== 0 && !((this.options.sessionExpiryInterval ?? 0) > 0)) {
          throw new ClientError("invalid-argument", "a Session Expiry Interval on DISCONNECT needs one on CONNECT (MQTT-3.14.2-2)");
        }
        properties.sessionExpiryInterval = options.sessionExpiryInterval;
      }
      if (options?.reasonString !== undefined) properties.reasonString = options.reasonString;
      disconnect = { type: "disconnect", reasonCode: options?.reasonCode ?? ReasonCode.Success, properties };
      try {
        encode(disconnect, 5); // a reason code or property it may not carry fails here, before anything closes
      } catch (error) {
        throw new ClientError("invalid-argument", `DISCONNECT: ${asError(error).message}`);
      }
    }
    if (this.state === State.Connected) this.sendDisconnect(disconnect);
    this.teardown();
    this.timers.stop();
    this.state = State.Closed;
    const closed = new ClientError("client-closed", "client closed");
    const messages = this.queue.drain();
    for (const m of this.session.inflight.values()) messages.push(m);
    this.session.inflight.clear();
    for (const m of messages) this.complete(m, closed);
    for (const r of this.session.subscriptions.drain()) this.callRequest(r.done, closed, []);
    this.call(this.options.onClose);
  }

  // ---- timers: ClientTimers calls these (not for applications) --------------------------------------

  connectTimedOut(): void {
    this.connectionEnded(new TimeoutError("connect-timeout", "no CONNACK in time"));
  }

  reconnectDue(): void {
    if (this.state === State.Waiting) this.openSocket();
  }

  pingDue(): void {
    this.sendPacket({ type: "pingreq" });
  }

  pingTimedOut(): void {
    this.connectionEnded(new TimeoutError("ping-timeout", "no PINGRESP in time"));
  }

  // ---- connection lifecycle -----------------------------------------------------------------------

  private openSocket(): void {
    const broker = this.brokers[this.brokerIndex];
    const generation = ++this.generation;
    this.state = State.Connecting;
    this.writable = 0;
    const { Socket, secure } = this.options;
    this.timers.startConnect(this.options.connectTimeout ?? 30_000);
    let socket: Socket;
    try {
      socket = new Socket({
        host: broker.host,
        address: broker.address,
        port: broker.port,
        // TLS takes the host name for SNI and the certificate check unless `secure.serverName` says
        // otherwise (ports.ts), even when we dial an address: no copy of `secure` per connection.
        secure,
        target: this,
        onReadable: MqttClient.onSocketReadable,
        onWritable: MqttClient.onSocketWritable,
        onError: MqttClient.onSocketError,
      });
    } catch (error) {
      this.connectionEnded(socketError(error));
      return;
    }
    // A socket that failed inside its constructor has already been given up (onError ran).
    if (generation === this.generation) this.socket = socket;
    else socket.close();
  }

  private writableChanged(count: number): void {
    if (this.state !== State.Connecting && this.state !== State.AwaitingConnack && this.state !== State.Connected) return;
    this.writable = count;
    if (this.state === State.Connecting) {
      // The first onWritable means the connection (and TLS handshake) is up: exactly one CONNECT per
      // connection ([MQTT-3.1.0-2]).
      this.state = State.AwaitingConnack;
      // 5.0: after the first successful CONNACK a session with an expiry is resumed, not restarted.
      const cleanStart = this.protocolVersion === 5 && this.cleanStartSent === false ? false : (this.options.cleanStart ?? true);
      this.cleanStartSent = cleanStart;
      const connect = connectPacket(this.options, this.protocolVersion, this.clientId, cleanStart, this.maximumPacketSize);
      this.output.push(encode(connect, this.protocolVersion));
    }
    this.pump();
  }

  /** @internal (for incoming.ts) */
  connack(packet: Connack): void {
    this.timers.stopConnect();
    const properties = packet.properties;
    if (packet.reasonCode !== 0) {
      // 3.1.1 section 3.2.2.3 / 5.0 section 3.2.2.2: the server closes the connection after a refusal.
      this.connectionEnded(new ConnackError(packet.reasonCode, properties?.reasonString));
      return;
    }
    // [MQTT-3.2.2-1] (3.1.1) / [MQTT-3.2.2-2] (5.0): Clean Start = 1 means Session Present = 0.
    if (packet.sessionPresent && this.cleanStartSent) {
      throw protocolError("3.2.2.2", "Session Present with Clean Start");
    }
    this.state = State.Connected;
    this.backoff.reset();
    if (this.streaks) this.streaks[this.brokerIndex] = { key: "", count: 0 };
    this.server.accept(this.protocolVersion, properties, this.options.inflight ?? 32);
    let keepAlive = this.options.keepAlive ?? DEFAULT_KEEP_ALIVE;
    if (this.protocolVersion === 5) {
      const p = properties ?? {};
      this.aliasesOut?.reset(p.topicAliasMaximum ?? 0); // 3.2.2.3.8
      if (p.assignedClientIdentifier) this.clientId = p.assignedClientIdentifier; // 3.2.2.3.7
      if (p.serverKeepAlive !== undefined) keepAlive = p.serverKeepAlive; // 3.2.2.3.14
      // Resume this session on the next connection when it outlives the network connection.
      if ((this.options.sessionExpiryInterval ?? 0) > 0) this.cleanStartSent = false;
    }
    this.timers.startKeepAlive(keepAlive, this.options.pingTimeout ?? 10_000);

    if (packet.sessionPresent) {
      resendInflight(this.session.inflight.values(), this.output, this.protocolVersion, this.aliasesOut); // 4.4
    } else {
      // The broker has no session: our in-flight state means nothing to it (4.1).
      const [requeue, completed] = this.session.lose();
      this.queue.unshiftAll(requeue);
      for (const m of completed) this.complete(m);
      this.session.subscriptions.resubscribe();
    }
    // SUBSCRIBE / UNSUBSCRIBE still unanswered go again (the broker treats a repeat as a replacement).
    for (const r of this.session.subscriptions.pending.values()) this.output.push(encode(r.packet, this.protocolVersion));

    const info: ConnectInfo = {
      broker: this.brokers[this.brokerIndex],
      sessionPresent: packet.sessionPresent,
      reasonCode: packet.reasonCode,
      properties,
      clientId: this.clientId,
      keepAlive,
    };
    this.call(this.options.onConnect, info);
  }

  /** The connection is gone (or must go): clean up, report, and schedule the next attempt. */
  /** @internal (for incoming.ts) */
  connectionEnded(reason: Error): void {
    if (this.state === State.Closed || this.state === State.Idle || this.state === State.Waiting) return;
    const wasConnected = this.state === State.Connected;
    this.teardown();
    const persistent = wasConnected ? undefined : this.handshakeFailure(reason);
    // Failover: an attempt that never reached CONNACK moves on to the next broker; a connection that
    // worked is retried on the same broker first, where the session lives.
    if (!wasConnected) this.brokerIndex = (this.brokerIndex + 1) % this.brokers.length;
    if (this.options.reconnect === false) {
      this.state = State.Idle;
    } else {
      this.state = State.Waiting;
      const stuck = this.stuck(this.brokerIndex);
      this.timers.startReconnect(stuck ? this.backoff.next(this.options.backoff?.persistentCap ?? 900_000) : this.backoff.next());
    }
    if (wasConnected) this.call(this.options.onDisconnect, reason);
    else this.call(this.options.onError, reason);
    if (persistent) this.call(this.options.onError, persistent);
  }

  /**
   * Counts a failed attempt against the broker it was made to. The same TLS refusal (code and alert: the
   * broker said so) `persistentAfter` times in a row will not go away by itself; a connection cut during the
   * handshake without a word of TLS (a port that does not speak TLS, or just the network) counts the same
   * way, but only twice as many in a row (about half a minute of backoff) make it persistent, so that an
   * outage is ridden out. Returns the PersistentFailureError to report when a streak gets there (once).
   */
  private handshakeFailure(reason: Error): PersistentFailureError | undefined {
    const refused = reason.name === "TlsError";
    const cut = (reason as { duringTlsHandshake?: boolean }).duringTlsHandshake === true;
    const key = refused || cut ? `${String((reason as { code?: unknown }).code)}/${String((reason as { alert?: number }).alert ?? "")}` : "";
    const streaks = (this.streaks ??= []);
    const streak = streaks[this.brokerIndex];
    const count = key === "" ? 0 : streak?.key === key ? streak.count + 1 : 1;
    streaks[this.brokerIndex] = { key, count };
    const after = this.options.backoff?.persistentAfter ?? 3;
    if (count !== (refused ? after : 2 * after)) return undefined;
    const broker = this.brokers[this.brokerIndex];
    return new PersistentFailureError(reason, count, `${broker.host}:${broker.port}`);
  }

  /** The broker's attempts failed persistently (the long backoff cap applies). */
  private stuck(index: number): boolean {
    const streak = this.streaks?.[index];
    if (!streak || streak.count === 0) return false;
    const after = this.options.backoff?.persistentAfter ?? 3;
    return streak.count >= (streak.key.startsWith("connection-") ? 2 * after : after);
  }

  private teardown(): void {
    this.generation++;
    const socket = this.socket;
    this.socket = undefined;
    this.timers.stopConnect();
    this.timers.stopKeepAlive();
    this.decoder.reset();
    this.aliasesIn?.reset();
    this.writable = 0;
    // QoS 0 messages whose bytes never fully left go back to the front of the queue.
    this.queue.unshiftAll(this.output.clear());
    if (socket) {
      try {
        socket.close();
      } catch {
        // The socket is already unusable; nothing more to release.
      }
    }
  }

  /** A broken or impossible packet: 5.0 sends DISCONNECT with the reason code (4.13), then we reconnect. */
  private protocolFailure(error: Error): void {
    if (this.protocolVersion === 5 && (this.state === State.Connected || this.state === State.AwaitingConnack)) {
      const reason =
        (error as { disconnectReason?: number }).disconnectReason ??
        (error instanceof ProtocolError ? error.reasonCode : ReasonCode.UnspecifiedError);
      this.sendDisconnect({ type: "disconnect", reasonCode: reason });
    }
    this.connectionEnded(error);
  }

  private sendDisconnect(packet: Packet): void {
    const socket = this.socket;
    if (!socket) return;
    this.output.push(encode(packet, this.protocolVersion));
    try {
      this.writable = this.output.flush(socket, this.writable, this);
    } catch {
      // Best effort: the connection is being dropped anyway.
    }
  }

  // ---- reading ------------------------------------------------------------------------------------

  private readable(): void {
    if (!this.socket) return;
    const generation = this.generation;
    const data = this.socket.read();
    if (!data) return;
    this.readingGeneration = generation;
    // Hold writes while the chunk is decoded: the acks it triggers and the publishes that completions
    // release go out together in one pump, coalesced into few socket writes.
    const nested = this.pumping;
    this.pumping = true;
    try {
      this.decoder.push(new Uint8Array(data), this.packetArrived, this);
    } catch (error) {
      this.pumping = nested;
      if (generation === this.generation) this.protocolFailure(asError(error));
      return;
    }
    this.pumping = nested;
    if (!nested && generation === this.generation) this.pump();
  }

  /** The decoder's callback (called with this client as `this`: no closure to hold). */
  private packetArrived(packet: Packet): void {
    // Packets after one that ended the connection (in the same chunk) belong to a dead connection.
    if (this.readingGeneration !== this.generation) return;
    receive(this, packet, this.state === State.AwaitingConnack);
  }

  // ---- writing ------------------------------------------------------------------------------------

  private request(packet: Subscribe | Unsubscribe, done: SubscribeCallback | undefined): void {
    this.session.subscriptions.add(packet, done);
    // Encoded now, so a request that cannot be encoded (e.g. a property its packet may not carry) fails
    // here, for its caller, and is never sent again on a reconnect.
    let bytes: Uint8Array;
    try {
      bytes = encode(packet, this.protocolVersion);
    } catch (error) {
      this.session.subscriptions.cancel(packet);
      throw error;
    }
    if (this.state === State.Connected && this.socket) {
      this.output.push(bytes);
      this.pump();
    }
  }

  /** @internal (for incoming.ts) */
  sendPacket(packet: Packet): void {
    if (!this.socket) return;
    this.output.push(encode(packet, this.protocolVersion));
    this.pump();
  }

  /** Move messages from the queue into the output as the window and the socket allow, and write. */
  private pump(): void {
    if (this.pumping) return; // the running pump picks up whatever was added
    const socket = this.socket;
    if (!socket) return;
    this.pumping = true;
    try {
      for (;;) {
        if (this.state === State.Connected) this.fill();
        if (this.output.length === 0 || this.writable <= 0) break;
        this.writable = this.output.flush(socket, this.writable, this);
        this.timers.sent();
        if (this.socket !== socket) break;
      }
    } catch (error) {
      this.pumping = false;
      if (this.socket === socket) this.connectionEnded(socketError(error));
      return;
    }
    this.pumping = false;
  }

  /** Encode queued messages until the output holds what the socket can take now. */
  private fill(): void {
    const server = this.server;
    while (this.output.length < this.writable) {
      const m = this.queue.peek();
      if (!m) return;
      // 5.0 section 3.2.2.3.4: never above the server's Maximum QoS; downgrade.
      const qos = m.qos > server.maximumQoS ? server.maximumQoS : m.qos;
      if (qos > 0 && this.session.inflight.size >= server.window) return; // Receive Maximum (3.3.4)
      this.queue.shift();
      if (m.retain && !server.retainAvailable) {
        this.complete(m, new ClientError("retain-not-supported", "server has Retain Available = 0"));
        continue;
      }
      m.qos = qos;
      if (qos > 0) {
        // Free until addInflight() below holds it.
        m.packetId = this.session.ids.allocate();
        if (m.packetId === 0) {
          this.queue.unshiftAll([m]);
          return;
        }
      }
      const alias = m.properties?.topicAlias;
      let bytes: Uint8Array | undefined;
      let failure: Error | undefined;
      if (alias !== undefined && this.protocolVersion === 5 && alias > server.topicAliasMaximum) {
        // [MQTT-3.3.2-9]: never above the server's Topic Alias Maximum (the server would disconnect, 0x94).
        failure = new ClientError("invalid-argument", `Topic Alias ${alias} above the server's Topic Alias Maximum ${server.topicAliasMaximum}`);
      } else {
        try {
          bytes = encodePublish(m, false, this.protocolVersion, this.aliasesOut);
        } catch (error) {
          failure = asError(error); // this message only: the connection and the others go on
        }
      }
      if (!bytes) {
        this.aliasesOut?.forget(m.topic);
        m.packetId = 0;
        this.complete(m, failure);
        continue;
      }
      if (server.maximumPacketSize > 0 && bytes.length > server.maximumPacketSize) {
        // 5.0 section 3.2.2.3.6 [MQTT-3.2.2-15]: never send a packet above the server's maximum.
        this.aliasesOut?.forget(m.topic);
        m.packetId = 0;
        this.complete(m, new ClientError("packet-too-large", `PUBLISH of ${bytes.length} bytes exceeds the server's Maximum Packet Size ${server.maximumPacketSize}`));
        continue;
      }
      if (qos > 0) {
        m.state = MessageState.Sent;
        this.session.addInflight(m);
        this.output.push(bytes);
      } else {
        this.output.push(bytes, m);
      }
    }
  }

  // ---- callbacks ----------------------------------------------------------------------------------

  /** @internal (for incoming.ts) */
  complete(m: OutgoingMessage, error?: Error): void {
    const done = m.done;
    if (!done) return;
    m.done = undefined;
    try {
      done(error);
    } catch (thrown) {
      this.call(this.options.onError, asError(thrown));
    }
  }

  /** @internal (for incoming.ts) */
  callRequest(
    done: SubscribeCallback | undefined,
    error: Error | undefined,
    codes: number[],
    packet?: { properties?: Properties },
  ): void {
    if (!done) return;
    try {
      done(error, codes, packet);
    } catch (thrown) {
      this.call(this.options.onError, asError(thrown));
    }
  }

  /** @internal (for incoming.ts) */
  call<A>(callback: ((arg: A) => void) | undefined, arg?: A): void {
    if (!callback) return;
    try {
      callback.call(this.options, arg as A);
    } catch (error) {
      if (callback !== this.options.onError) this.call(this.options.onError, asError(error));
    }
  }
}

/** The properties an application may give a PUBLISH (MQTT 5.0 section 3.3.2.3): those a PUBLISH may carry,
 *  valid, and no Subscription Identifier, which only a server sends [MQTT-3.3.4-6]. */
function checkPublishProperties(properties: Properties): void {
  if (properties.subscriptionIdentifiers !== undefined) {
    throw new ClientError("invalid-argument", "a client must not send a Subscription Identifier (MQTT-3.3.4-6)");
  }
  propertiesLength(properties, PUBLISH); // throws a ProtocolError naming the property and the rule
}
