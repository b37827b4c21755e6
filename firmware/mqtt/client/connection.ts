// The connection lifecycle of one client: a session (MQTT 4.1) over a sequence of network connections.
//
//   Idle --connect()--> Connecting --socket writable: CONNECT--> AwaitingConnack --CONNACK 0--> Connected
//     any of them --socket error, refusal, timeout--> Waiting (backoff, failover) --timer--> Connecting
//     any of them --network gone--> Offline --network back--> Connecting (at once)
//     Connected --disconnect()--> Disconnecting --broker closes, or linger--> Idle (session kept)
//     any --close()--> Closed
//
// A lost network is not a failure of the broker: the attempt in hand is abandoned, nothing is counted, no
// timer runs until the platform says the network is back (networkChanged), and then the client tries at
// once. Flow control is flow.ts, the handlers of incoming packets incoming.ts, the deadlines timers.ts,
// where the next attempt goes reconnect.ts; MqttClient (client.ts) is the application's face of this.
import { asError } from "../common/as-error.js";
import { NetworkError } from "../platform/network-error.js";
import type { CallbackThis, Socket } from "../../platform/ports.js";
import { PacketDecoder } from "../codec/decode.js";
import { encode } from "../codec/encode.js";
import type { Connack, Packet, ProtocolVersion, Subscribe, Unsubscribe } from "../codec/packets.js";
import { ProtocolError, ReasonCode, protocolError } from "../codec/protocol-error.js";
import { call, complete } from "./callbacks.js";
import { ClientError, ConnackError, TimeoutError, socketError } from "./client-errors.js";
import { DEFAULT_KEEP_ALIVE, DEFAULT_MAXIMUM_PACKET_SIZE, ServerLimits, connectPacket } from "./connect.js";
import { pump, type FlowOwner } from "./flow.js";
import { receive, type Receiver } from "./incoming.js";
import type { ConnectInfo, MqttClientOptions, SubscribeCallback } from "./options.js";
import { OutgoingQueue, resendInflight, type OutgoingMessage } from "./outgoing.js";
import { OutputBuffer } from "./output.js";
import { ReconnectPolicy } from "./reconnect.js";
import { SessionState } from "./session.js";
import { ClientTimers, type TimerOwner } from "./timers.js";
import { IncomingTopicAliases, OutgoingTopicAliases } from "./topic-aliases.js";

export const State = {
  Idle: 0, // not started, or stopped after a failure with reconnect disabled
  Connecting: 1, // socket opening (TCP + TLS handshake)
  AwaitingConnack: 2, // CONNECT written
  Connected: 3,
  Waiting: 4, // backing off before the next attempt
  Offline: 5, // started, but the network is down: nothing runs until it returns
  Closed: 6,
  Disconnecting: 7, // DISCONNECT written on purpose: waiting for the broker to close the connection
} as const;
export type State = (typeof State)[keyof typeof State];

export class Connection implements FlowOwner, Receiver, TimerOwner {
  readonly options: MqttClientOptions;
  readonly protocolVersion: ProtocolVersion;
  state: State = State.Idle;
  socket: Socket | undefined;
  writable = 0;
  pumping = false;
  clientId: string;
  /** Whether the platform has a network (MqttClient.networkChanged); true until told otherwise. */
  network = true;
  readonly queue: OutgoingQueue;
  readonly output = new OutputBuffer();
  readonly session: SessionState;
  readonly server = new ServerLimits();
  readonly timers: ClientTimers;
  readonly reconnect: ReconnectPolicy;
  // MQTT 5 only (3.1.1 has no topic aliases).
  readonly aliasesOut: OutgoingTopicAliases | undefined;
  readonly aliasesIn: IncomingTopicAliases | undefined;
  readonly maximumPacketSize: number;
  private readonly decoder: PacketDecoder;
  /** Bumped whenever a socket is abandoned, so late callbacks of an old socket are ignored. */
  private generation = 0;
  private readingGeneration = 0;
  private cleanStartSent = true;
  /** disconnect()'s completion and its `this`, until the connection is gone. */
  private paused: { done: (this: unknown) => void; target: unknown } | undefined;

  // The socket's callbacks: shared functions with this connection as their `target`, so it holds no closure
  // for them. A socket binding makes no callback after close() (ports.ts), so they concern the socket in hand.
  private static onSocketReadable(this: CallbackThis): void {
    (this.target as Connection).readable();
  }
  private static onSocketWritable(this: CallbackThis, count: number): void {
    (this.target as Connection).writableChanged(count);
  }
  private static onSocketError(this: CallbackThis, error?: Error): void {
    (this.target as Connection).connectionEnded(socketError(error));
  }

  constructor(options: MqttClientOptions) {
    this.options = options;
    this.protocolVersion = options.protocolVersion ?? 4;
    this.clientId = options.clientId ?? "";
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
    this.reconnect = new ReconnectPolicy(options);
    if (this.protocolVersion === 5) {
      this.aliasesOut = new OutgoingTopicAliases();
      this.aliasesIn = new IncomingTopicAliases(options.topicAliasMaximum ?? 0);
    }
  }

  get connected(): boolean {
    return this.state === State.Connected;
  }

  /** connect(): the first attempt, now, or when the network is there. */
  start(): void {
    if (this.state !== State.Idle) return;
    if (this.network) this.openSocket();
    else this.state = State.Offline;
  }

  /** The platform's network went away or came back. */
  networkChanged(up: boolean): void {
    if (this.network === up) return;
    this.network = up;
    if (this.state === State.Disconnecting && !up) this.connectionEnded(new NetworkError("network-down", "the network is gone"));
    if (this.state === State.Closed || this.state === State.Idle || this.state === State.Disconnecting) return;
    if (!up) {
      const wasConnected = this.state === State.Connected;
      if (this.state !== State.Waiting && this.state !== State.Offline) this.teardown();
      this.timers.stopReconnect();
      this.state = State.Offline;
      if (wasConnected) call(this.options, this.options.onDisconnect, new NetworkError("network-down", "the network is gone"));
      return;
    }
    if (this.state !== State.Offline && this.state !== State.Waiting) return;
    this.timers.stopReconnect();
    this.reconnect.restart();
    this.openSocket();
  }

  /** MqttClient.reconnect(): a new connection now (the previous one closed with a DISCONNECT). */
  restart(): void {
    const state = this.state;
    if (state === State.Idle || state === State.Offline || state === State.Closed) return;
    const wasConnected = state === State.Connected;
    if (wasConnected) this.sendDisconnect({ type: "disconnect" });
    if (state !== State.Waiting) this.teardown();
    this.timers.stopReconnect();
    this.reconnect.restart();
    if (wasConnected) call(this.options, this.options.onDisconnect, new ClientError("reconnecting", "reconnecting (the application asked)"));
    this.openSocket();
  }

  /** MqttClient.close(): the DISCONNECT goes out when connected; then socket and timers are released. */
  close(disconnect: Packet): void {
    if (this.state === State.Connected) this.sendDisconnect(disconnect);
    this.teardown();
    this.timers.stop();
    this.state = State.Closed;
    this.paused = undefined;
  }

  /**
   * MqttClient.disconnect(): ends the connection in hand on purpose and stays Idle, the session kept, until
   * start(). Connected, the DISCONNECT goes out (the broker then discards the will, 3.1.2.5, and closes the
   * network connection, 3.14.4) and the socket is released once the broker has closed it, or after
   * `lingerMs`: so the DISCONNECT has left before the caller takes the network down. `done` (with `target` as
   * `this`) once the socket is gone.
   */
  disconnect(packet: Packet, lingerMs: number, done: ((this: unknown) => void) | undefined, target: unknown): void {
    const state = this.state;
    if (state === State.Closed || state === State.Disconnecting) return;
    this.timers.stopReconnect();
    if (done) this.paused = { done, target };
    if (state === State.Connected) {
      this.sendDisconnect(packet);
      this.timers.stopKeepAlive();
      this.state = State.Disconnecting;
      this.timers.startConnect(lingerMs); // the connect deadline serves as the linger
      return;
    }
    this.teardown();
    this.state = State.Idle;
    this.disconnected();
  }

  private disconnected(): void {
    const paused = this.paused;
    this.paused = undefined;
    if (!paused) return;
    try {
      paused.done.call(paused.target);
    } catch (error) {
      call(this.options, this.options.onError, asError(error));
    }
  }

  // ---- timers (TimerOwner) ------------------------------------------------------------------------

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

  // ---- connecting ---------------------------------------------------------------------------------

  private openSocket(): void {
    const broker = this.reconnect.broker;
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
        onReadable: Connection.onSocketReadable,
        onWritable: Connection.onSocketWritable,
        onError: Connection.onSocketError,
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
    pump(this);
  }

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
    this.reconnect.connected();
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
      broker: this.reconnect.broker,
      sessionPresent: packet.sessionPresent,
      reasonCode: packet.reasonCode,
      properties,
      clientId: this.clientId,
      keepAlive,
    };
    call(this.options, this.options.onConnect, info);
  }

  /** The connection is gone (or must go): clean up, report, and schedule the next attempt. */
  connectionEnded(reason: Error): void {
    const state = this.state;
    if (state === State.Disconnecting) {
      // The broker closed after our DISCONNECT (or the linger ran out): gone as asked, nothing to report.
      this.teardown();
      this.state = State.Idle;
      this.disconnected();
      return;
    }
    if (state !== State.Connecting && state !== State.AwaitingConnack && state !== State.Connected) return;
    const wasConnected = state === State.Connected;
    this.teardown();
    // Failover: an attempt that never reached CONNACK moves on to the next broker; a connection that
    // worked is retried on the same broker first, where the session lives.
    const persistent = wasConnected ? undefined : this.reconnect.attemptFailed(reason);
    if (this.options.reconnect === false) {
      this.state = State.Idle;
    } else if (!this.network) {
      this.state = State.Offline;
    } else {
      this.state = State.Waiting;
      this.timers.startReconnect(this.reconnect.nextDelay());
    }
    call(this.options, wasConnected ? this.options.onDisconnect : this.options.onError, reason);
    if (persistent) call(this.options, this.options.onError, persistent);
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
      const reasonCode = error instanceof ProtocolError ? error.reasonCode : ReasonCode.UnspecifiedError;
      this.sendDisconnect({ type: "disconnect", reasonCode });
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
    if (!nested && generation === this.generation) pump(this);
  }

  /** The decoder's callback (called with this connection as `this`: no closure to hold). */
  private packetArrived(packet: Packet): void {
    // Packets after one that ended the connection (in the same chunk) belong to a dead connection; after our
    // DISCONNECT nothing may be sent, so nothing is taken: the broker sends it again in the session (4.4).
    if (this.readingGeneration !== this.generation || this.state === State.Disconnecting) return;
    receive(this, packet, this.state === State.AwaitingConnack);
  }

  // ---- writing ------------------------------------------------------------------------------------

  /** SUBSCRIBE / UNSUBSCRIBE: held until acknowledged (and sent again on a reconnect). */
  request(packet: Subscribe | Unsubscribe, done: SubscribeCallback | undefined): void {
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
      pump(this);
    }
  }

  /** A packet of the connection in hand (PINGREQ, a reply to the server's): nothing once it has ended or is
   *  ending (our DISCONNECT is the last packet, section 3.14.4; a new connection starts with CONNECT
   *  [MQTT-3.1.0-1]). */
  sendPacket(packet: Packet): void {
    if (!this.socket || this.state !== State.Connected) return;
    this.output.push(encode(packet, this.protocolVersion));
    pump(this);
  }

  /** publish() took a message: out it goes when connected. */
  queued(): void {
    if (this.state === State.Connected) pump(this);
  }

  /** A message is done (the output buffer calls this for QoS 0 bytes handed to the socket). */
  complete(m: OutgoingMessage, error?: Error): void {
    complete(this.options, m, error);
  }
}
