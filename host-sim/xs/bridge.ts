// Drives one xsnap-worker process (the XS engine) directly over its netstring pipes, without the
// @agoric/xsnap JS wrapper (which needs SES lockdown in the test process).
//
// Protocol (xsnap-native/xsnap/sources/xsnap-worker.c): the host writes netstrings on the worker's fd 3,
// the worker answers on fd 4.
//   host -> worker  `e<code>`   evaluate a script        `?<bytes>` call globalThis.handleCommand(ArrayBuffer)
//                   `w<path>`   write a heap snapshot    `/<bytes>` answer to the worker's pending request
//   worker -> host  `.{meters}\u0001<result>` done (result: the ArrayBuffer returned, or its `.result`)
//                   `!<message>` the evaluation / handleCommand threw
//                   `?<bytes>`  the script called issueCommand(ArrayBuffer): it blocks until the host answers
// Between `e`/`?` and its `.` the worker runs its promise jobs, so one exchange is one "crank".
import { spawn, type ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { encodeNetstring, NetstringReader } from "./netstring.js";
import { xsnapWorkerPath } from "./worker-binary.js";

/** The engine's meters for one crank (deterministic: they count XS operations, not time). */
export interface Meters {
  /** Metering ticks spent in the crank (roughly, XS byte-code operations and native calls). */
  compute: number;
  /** Bytes the machine has mapped from the OS for its chunk and slot heaps (grows in large steps). */
  allocate: number;
  /** Slots in the slot heap at the end of the crank: exact live slots right after a `gc()`. */
  currentHeapCount: number;
}

export interface XsReply {
  bytes: Uint8Array;
  meters: Meters;
}

/** Answers a request the script made with issueCommand(ArrayBuffer). */
export type RequestHandler = (request: Uint8Array) => Uint8Array | Promise<Uint8Array>;

export type XsErrorCode = "exception" | "exited" | "timeout" | "protocol" | "request-handler";

/** A failure in the engine or the bridge, with the XS message (exceptions) or the worker's stderr tail. */
export class XsError extends Error {
  readonly code: XsErrorCode;
  constructor(code: XsErrorCode, message: string) {
    super(message);
    this.name = "XsError";
    this.code = code;
  }
}

export interface XsWorkerOptions {
  /** Shown in error messages and passed to the worker as argv[1]. */
  name?: string;
  onRequest?: RequestHandler;
  /** Abort a crank that exceeds this many compute ticks (worker `-l`; the worker then exits). */
  meteringLimit?: number;
  /** Fail (and kill the worker) when it is silent this long while a reply is awaited. Default 20 s. */
  replyTimeoutMs?: number;
  /** Lines the script prints (print/trace). Default: written to process.stdout. */
  onPrint?: (line: string) => void;
  /** What the engine writes to stderr (e.g. an unhandled promise rejection). Default: process.stderr. */
  onStderr?: (text: string) => void;
  /** Called once with the first fatal error (worker exited, timeout, protocol or request-handler failure). */
  onFailure?: (error: XsError) => void;
}

const OK = 0x2e; // "."
const ERROR = 0x21; // "!"
const REQUEST = 0x3f; // "?"
const ANSWER = 0x2f; // "/"
const METER_SEPARATOR = 0x01;
const STDERR_TAIL = 2000;

/** xsnap-worker exit codes (xsnap-worker.c `ExitCode`); the engine prints nothing itself (mxNoConsole). */
const EXIT_REASONS: Record<number, string> = {
  1: "bad argument usage",
  2: "I/O error",
  11: "not enough memory",
  12: "stack overflow",
  15: "unhandled exception",
  16: "property (key) name space exhausted",
  17: "too much computation (metering limit)",
};

interface Pending {
  resolve(reply: XsReply): void;
  reject(error: Error): void;
}

export class XsWorker {
  readonly name: string;
  private readonly child: ChildProcess;
  private readonly toWorker: Writable;
  private readonly reader = new NetstringReader();
  private readonly onRequest: RequestHandler;
  private readonly replyTimeoutMs: number;
  private readonly onFailure: ((error: XsError) => void) | undefined;
  private baton: Promise<unknown> = Promise.resolve();
  private pending: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stderrTail = "";
  private failure: XsError | undefined;
  private closing = false;
  private exited: Promise<void>;

  constructor(options: XsWorkerOptions = {}) {
    this.name = options.name ?? "xs";
    this.onRequest =
      options.onRequest ??
      (() => {
        throw new Error("this worker takes no issueCommand requests");
      });
    this.replyTimeoutMs = options.replyTimeoutMs ?? 20_000;
    this.onFailure = options.onFailure;
    const args = [this.name];
    if (options.meteringLimit) args.push("-l", String(options.meteringLimit));
    this.child = spawn(xsnapWorkerPath(), args, { stdio: ["ignore", "pipe", "pipe", "pipe", "pipe"] });
    const stdio = this.child.stdio as unknown as [null, Readable, Readable, Writable, Readable];
    this.toWorker = stdio[3];
    this.toWorker.on("error", () => {}); // EPIPE after a crash: reported through "exit" instead
    const onPrint = options.onPrint ?? ((line: string) => process.stdout.write(`${line}\n`));
    let partial = "";
    stdio[1].setEncoding("utf8").on("data", (text: string) => {
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) onPrint(line);
    });
    const onStderr = options.onStderr ?? ((text: string) => process.stderr.write(`[xs ${this.name}] ${text}`));
    stdio[2].setEncoding("utf8").on("data", (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL);
      onStderr(text);
    });
    stdio[4].on("data", (chunk: Buffer) => this.onData(chunk));
    this.exited = new Promise((resolve) => {
      this.child.once("close", (code, signal) => {
        const how = signal ? `signal ${signal}` : `code ${code}${code && EXIT_REASONS[code] ? `: ${EXIT_REASONS[code]}` : ""}`;
        this.fail(new XsError("exited", `xsnap-worker ${this.name} exited (${how})${this.stderrSuffix()}`));
        resolve();
      });
    });
    this.child.once("error", (error) => this.fail(new XsError("exited", `cannot run xsnap-worker: ${error.message}`)));
  }

  /** Evaluate a script (sloppy-mode global code, like a <script>). */
  evaluate(code: string): Promise<XsReply> {
    return this.exchange(() => new TextEncoder().encode(`e${code}`)) as Promise<XsReply>;
  }

  /** Call the script's globalThis.handleCommand with these bytes; resolves with what it returned. */
  deliver(bytes: Uint8Array): Promise<XsReply> {
    return this.exchange(() => withPrefix(REQUEST, bytes)) as Promise<XsReply>;
  }

  /**
   * Like deliver, but the bytes are made when the worker is free to take them (after everything queued
   * before), so they can describe the host's state at that moment; `undefined` skips the delivery.
   */
  deliverWhenFree(make: () => Uint8Array | undefined): Promise<XsReply | undefined> {
    return this.exchange(() => {
      const bytes = make();
      return bytes && withPrefix(REQUEST, bytes);
    });
  }

  /** Write a heap snapshot (after a full GC) to `path`; resolves with its size in bytes. */
  async writeSnapshot(path: string): Promise<number> {
    const reply = await this.exchange(() => new TextEncoder().encode(`w${path}`));
    return Number(new TextDecoder().decode(reply!.bytes));
  }

  /** Stop the worker. Pending and later calls fail with code "exited". */
  async close(): Promise<void> {
    this.closing = true;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.toWorker.end();
      this.child.kill("SIGKILL");
    }
    await this.exited;
  }

  private exchange(make: () => Uint8Array | undefined): Promise<XsReply | undefined> {
    const run = this.baton.then(
      () =>
        new Promise<XsReply | undefined>((resolve, reject) => {
          if (this.failure) return reject(this.failure);
          const message = make();
          if (!message) return resolve(undefined);
          this.pending = { resolve, reject };
          this.armTimer();
          this.toWorker.write(encodeNetstring(message));
        }),
    );
    this.baton = run.catch(() => {});
    return run;
  }

  private onData(chunk: Buffer): void {
    let messages: Uint8Array[];
    try {
      messages = this.reader.push(chunk);
    } catch (error) {
      return this.fail(new XsError("protocol", `${(error as Error).message}`), true);
    }
    for (const message of messages) this.onMessage(message);
  }

  private onMessage(message: Uint8Array): void {
    const pending = this.pending;
    if (!pending) return this.fail(new XsError("protocol", "worker spoke while no reply was awaited"), true);
    this.armTimer();
    switch (message[0]) {
      case OK: {
        const separator = message.indexOf(METER_SEPARATOR);
        const meterText = new TextDecoder().decode(message.subarray(1, separator < 0 ? 1 : separator));
        const raw = meterText ? (JSON.parse(meterText) as Partial<Meters>) : {};
        const meters: Meters = {
          compute: raw.compute ?? 0,
          allocate: raw.allocate ?? 0,
          currentHeapCount: raw.currentHeapCount ?? 0,
        };
        this.settle();
        pending.resolve({ bytes: message.slice(separator < 0 ? 1 : separator + 1), meters });
        return;
      }
      case ERROR: {
        this.settle();
        const text = new TextDecoder().decode(message.subarray(1));
        pending.reject(new XsError("exception", `XS exception in ${this.name}: ${text || "(no message)"}`));
        return;
      }
      case REQUEST: {
        const request = message.slice(1);
        Promise.resolve()
          .then(() => this.onRequest(request))
          .then(
            (answer) => this.toWorker.write(encodeNetstring(withPrefix(ANSWER, answer))),
            (error: Error) =>
              this.fail(new XsError("request-handler", `host request handler failed: ${error?.stack ?? error}`), true),
          );
        return;
      }
      default:
        this.fail(new XsError("protocol", `unknown reply prefix ${JSON.stringify(String.fromCharCode(message[0]))}`), true);
    }
  }

  private armTimer(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fail(new XsError("timeout", `xsnap-worker ${this.name}: no reply within ${this.replyTimeoutMs} ms${this.stderrSuffix()}`), true);
    }, this.replyTimeoutMs);
  }

  private settle(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  /** Record the first fatal error, reject what is pending, and optionally kill the worker. */
  private fail(error: XsError, kill = false): void {
    if (!this.failure) {
      this.failure = error;
      if (!this.closing) this.onFailure?.(error); // the end we asked for is not a failure
    }
    const pending = this.pending;
    this.settle();
    pending?.reject(this.failure);
    if (kill && this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }

  private stderrSuffix(): string {
    const tail = this.stderrTail.trim();
    return tail ? `: ${tail}` : "";
  }
}

function withPrefix(prefix: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out[0] = prefix;
  out.set(bytes, 1);
  return out;
}
