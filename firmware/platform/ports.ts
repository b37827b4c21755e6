// The seams between the pure firmware and a platform. Each platform (Moddable device, Node host-sim,
// XS-on-host) supplies one binding per port; firmware modules receive them through constructor options
// and never import a platform module themselves.

/** Bytes as the ECMA-419 IO classes accept them. */
export type BufferLike = ArrayBuffer | ArrayBufferView;

// ---- Socket: the ECMA-419 (Ecma TC53) TCP / TLS socket class pattern -------------------------------

/** DER bytes: an ArrayBuffer, or a view of one (the device's credentials are views of a flash partition). */
export type DerBytes = ArrayBuffer | Uint8Array;

/** TLS options, shaped after the Moddable SDK's `secure` dictionary (docs/security.md). DER everywhere. */
export interface TlsOptions {
  /** Trusted CA certificate(s), DER: the server's chain must lead to one of them. */
  certificate?: DerBytes | DerBytes[];
  /** SNI and the name checked against the server certificate's SAN; defaults to the host. */
  serverName?: string;
  /** Verify the server certificate (default true). */
  verify?: boolean;
  /** Client certificate chain, DER, leaf first. */
  clientCertificates?: DerBytes[];
  /** Client private key, PKCS#8 DER. */
  clientKey?: DerBytes;
  /** ALPN protocol name offered, e.g. "x-amzn-mqtt-ca". */
  applicationLayerProtocolNegotiation?: string;
}

/** What a callback given with a `target` gets as `this`: something that carries that target (see
 *  `SocketOptions.target`; the MQTT client's options follow the same pattern). */
export interface CallbackThis {
  readonly target?: unknown;
}

export interface SocketOptions {
  /** IP address (the device's socket needs one; resolve host names first). */
  address?: string;
  host?: string;
  port: number;
  secure?: TlsOptions;
  /**
   * ECMA-419's `target`: whatever the user needs in its callbacks, so that they can be shared functions
   * rather than closures. Callbacks are called with a `this` that carries it: the socket, which keeps it
   * as `socket.target` (ECMA-419), or these options themselves (or a copy of them).
   */
  target?: unknown;
  /** `count` bytes can be read now. */
  onReadable?(this: CallbackThis, count: number): void;
  /** `count` bytes can be written now. The first call means the connection is established. */
  onWritable?(this: CallbackThis, count: number): void;
  /** The connection failed or was closed by the peer; the socket is unusable afterwards. */
  onError?(this: CallbackThis, error?: Error): void;
}

/** After close(), or after onError, a socket makes no more callbacks: its user may reuse the same callback
 *  functions for its next socket. */
export interface Socket {
  /** Everything that has arrived and not yet been read, or undefined when nothing has. */
  read(): ArrayBuffer | undefined;
  /** Queue bytes; the caller must not exceed the count last given to onWritable. Returns the new count. */
  write(bytes: BufferLike): number;
  close(): void;
}

export type SocketConstructor = new (options: SocketOptions) => Socket;

// ---- UDP: the ECMA-419 `embedded:io/socket/udp` class pattern (for SNTP) ---------------------------

export interface UdpOptions {
  target?: unknown;
  /** `count` datagrams can be read now. */
  onReadable?(this: CallbackThis, count: number): void;
}

/** A datagram as read(): its bytes, with where it came from. */
export type Datagram = ArrayBuffer & { readonly address: string; readonly port: number };

export interface UdpSocket {
  /** The next datagram, or undefined when none is waiting. */
  read(): Datagram | undefined;
  write(bytes: BufferLike, address: string, port: number): void;
  close(): void;
}

export type UdpConstructor = new (options: UdpOptions) => UdpSocket;

/** Host name to IPv4 address (`Net.resolve` on the device): `address` undefined when it cannot be resolved. */
export type Resolve = (host: string, callback: (name: string, address?: string) => void) => void;

// ---- Network interface: the ECMA-419 `embedded:network/interface/wifi` class pattern --------------

export interface WiFiOptions {
  target?: unknown;
  /** `connection` or `address` changed: read them from the interface (called with it as `this`). */
  onChanged?(this: CallbackThis, property: string): void;
}

export interface WiFiConnectOptions {
  SSID: string;
  password?: string;
}

export interface WiFi {
  /** One of the ECMA-419 connection values (wifi-connection.ts). */
  readonly connection: number;
  readonly address?: string;
  /** Associate with a network; progress is reported through onChanged. */
  connect(options: WiFiConnectOptions): void;
  disconnect(): void;
  close(): void;
}

export type WiFiConstructor = new (options: WiFiOptions) => WiFi;

// ---- Clock and timers -------------------------------------------------------------------------------

export type TimerId = unknown;

export interface Clock {
  /** Monotonic milliseconds since an arbitrary origin (Time.ticks on the device). */
  ticks(): number;
  /** Wall-clock milliseconds since the Unix epoch, or undefined while the clock is unset (before SNTP). */
  wallTime(): number | undefined;
  /** Sets the wall clock (SNTP): milliseconds since the Unix epoch (Time.set on the device). */
  setWallTime(milliseconds: number): void;
  /** One-shot timer. */
  set(callback: () => void, milliseconds: number): TimerId;
  clear(id: TimerId): void;
}

// ---- Storage: named files of bytes, enough for a store-and-forward outbox to survive a reset --------

export interface Storage {
  /**
   * The contents, or undefined when the file does not exist. With `position` (default 0) and `count`
   * (default: to the end) only those bytes, fewer when the file ends sooner (none from its end on), so a
   * large file can be read in small pieces (storage-range.ts).
   */
  read(name: string, position?: number, count?: number): ArrayBuffer | undefined;
  /** Size in bytes, or undefined when the file does not exist. */
  size(name: string): number | undefined;
  /** Append bytes, creating the file when missing. */
  append(name: string, bytes: BufferLike): void;
  /** Replace the contents. */
  write(name: string, bytes: BufferLike): void;
  delete(name: string): void;
}

// ---- I2C: the ECMA-419 `embedded:io/i2c` class pattern ---------------------------------------------

export interface I2COptions {
  /** 7-bit target address. */
  address: number;
  hz?: number;
  data?: number;
  clock?: number;
  port?: number;
}

export interface I2C {
  /** Read `count` bytes from the target; throws when it does not acknowledge. */
  read(count: number): ArrayBuffer;
  /** Write bytes; `stop` false keeps the bus for a repeated start (default true). */
  write(bytes: BufferLike, stop?: boolean): void;
  close(): void;
}

export type I2CConstructor = new (options: I2COptions) => I2C;

/** What a sensor driver receives, after the ECMA-419 sensor class pattern: the IO class and its pins. */
export interface SensorBus extends Partial<I2COptions> {
  io: I2CConstructor;
}

// ---- Flash: a raw partition of NOR flash (the device's credentials store) --------------------------

export interface FlashPartition {
  /** The whole partition, read where it is when the platform maps flash (esp32; the simulator's file),
   *  else a copy kept in step with writes. Views of it stay valid across writes. */
  readonly bytes: Uint8Array;
  /** The erase unit, bytes (4096 on esp32). */
  readonly blockSize: number;
  /** Sets every byte of block `block` to 0xFF. */
  erase(block: number): void;
  /** Writes at `offset`. NOR flash: a write can only turn bits from 1 to 0, until the block is erased. */
  write(offset: number, data: Uint8Array): void;
}

// ---- Signer: the device's private key at work ------------------------------------------------------

/** Signs `data` with the RSA key `key` (PKCS#8 DER): PKCS#1 v1.5 over SHA-256 (RFC 8017 section 8.2). */
export type Signer = (key: Uint8Array, data: Uint8Array) => ArrayBuffer;
