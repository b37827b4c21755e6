// Runs a lin build in the Moddable simulator, headless: its own Xvfb display, its own HOME (mcsim copies
// mc.so there and the app's files live there, so runs never share an outbox), its own debugger port, and
// the SDK's headless debugger front end (tools/xsbug-log), which prints the app's trace. Trace lines come
// back as they arrive; stop() quits the app and ends only what this run started.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import type { ModdableSdk } from "./sdk.js";

export interface McsimRun {
  /** Trace lines so far, without the debugger's "[Thread N] " prefix and terminal escapes. */
  readonly lines: string[];
  /** The simulated HOME (the app's files: its outbox is under $HOME/wearable). */
  readonly home: string;
  /** Resolves with the first line (already seen or to come) matching `pattern`, from line index `from` on
   *  (`lines.length` taken before an event: a line after it); rejects after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs: number, from?: number): Promise<string>;
  stop(): Promise<void>;
  /** A power cut: the simulator killed at once (SIGKILL), whatever it is doing. */
  kill(): Promise<void>;
}

export interface McsimOptions {
  /** Called for each trace line. */
  onLine?(line: string): void;
  /** Keep this HOME (and so the app's files) instead of a fresh one; it is not deleted by stop(). */
  home?: string;
  /** More environment for the simulator (e.g. MCSIM_FLASH_PAGE_MS, firmware/platform/moddable/lin/flash-file.c). */
  env?: Record<string, string>;
}

/** Lines that mean the app failed: an exception, an XS abort, or an error the firmware traced. */
export const FAILURE_LINE = /# Exception|XS abort|^error:|start-up failed|unhandled/;

/** The run's trace lines that tell of a failure. */
export function failureLines(run: Pick<McsimRun, "lines">): string[] {
  return run.lines.filter((line) => FAILURE_LINE.test(line));
}


async function startXvfb(): Promise<{ display: string; process: ChildProcess }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const n = 200 + Math.floor(Math.random() * 800);
    if (existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`)) continue;
    const xvfb = spawn("Xvfb", [`:${n}`, "-screen", "0", "800x600x24", "-nolisten", "tcp"], { stdio: "ignore" });
    for (let i = 0; i < 50 && xvfb.exitCode === null; i++) {
      if (existsSync(`/tmp/.X11-unix/X${n}`)) return { display: `:${n}`, process: xvfb };
      await new Promise((r) => setTimeout(r, 100));
    }
    xvfb.kill("SIGKILL");
  }
  throw new Error("could not start Xvfb (is the xvfb package installed?)");
}

/** Ports handed to this process's debuggers, so runs started side by side never get the same one. */
const handedOut = new Set<number>();

/** A port for a run's debugger, free when checked and below Linux's ephemeral range (32768 and up): a port in
 *  that range can become the local end of an outgoing connection (another simulator's to its own debugger, a
 *  broker's client) between the check and xsbug-log's listen, which then fails ("already in use"). */
async function debuggerPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port, () => server.close(() => resolve(true)));
    });
    if (free) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error("no free port for the simulator's debugger");
}

const exited = (child: ChildProcess, ms: number): Promise<boolean> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(true)
    : new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve(true);
        });
      });

export async function startMcsim(sdk: ModdableSdk, mcSo: string, options: McsimOptions = {}): Promise<McsimRun> {
  if (!existsSync(mcSo)) throw new Error(`no ${mcSo}: build the app first`);
  const work = await mkdtemp(join(tmpdir(), "mcsim-"));
  const home = options.home ?? join(work, "home");
  await mkdir(join(home, ".config/tech.moddable.mcsim"), { recursive: true });
  const xvfb = await startXvfb();
  const port = await debuggerPort();
  // MCSIM_WRAPPER names a script to run mcsim through (e.g. under gdb or strace, to see why a run died).
  // mcsim starts with SIGPIPE ignored (sh's trap, kept across exec): the SDK's lin TCP socket asks for no
  // SIGPIPE with SO_NOSIGPIPE, which Linux does not have, so a write to a connection the peer has closed (a
  // broker that refuses the device's certificate and closes while the device still sends its flight) would
  // kill the simulator, where on the board the write fails and the socket reports the error.
  const simulator = process.env.MCSIM_WRAPPER ?? join(sdk.bin, "mcsim");
  const debuggerFrontEnd = spawn(process.execPath, ["xsbug-log", "/bin/sh", "-c", 'trap "" PIPE; exec "$0" "$@"', simulator, mcSo], {
    cwd: join(sdk.root, "tools/xsbug-log"),
    env: { ...process.env, ...options.env, DISPLAY: xvfb.display, HOME: home, XSBUG_PORT: String(port), XSBUG_LOG_PORT: String(port), XSBUG_PROJECT: home },
    stdio: ["pipe", "pipe", "pipe"],
    // Its own process group (with the mcsim it starts), so kill() can end both at once.
    detached: true,
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = "";
  const onData = (chunk: Buffer): void => {
    partial += chunk.toString("utf8");
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    for (const raw of parts) {
      // eslint-disable-next-line no-control-regex
      const line = raw.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").replace(/\(xsdb\) /g, "").replace(/^\[Thread \d+\] /, "").trimEnd();
      if (line === "") continue;
      lines.push(line);
      options.onLine?.(line);
      for (const wake of waiters) wake();
    }
  };
  debuggerFrontEnd.stdout.on("data", onData);
  debuggerFrontEnd.stderr.on("data", onData);

  let stopped = false;
  const cleanUp = async (): Promise<void> => {
    xvfb.process.kill("SIGTERM");
    await exited(xvfb.process, 3000);
    await rm(work, { recursive: true, force: true });
  };
  return {
    lines,
    home,
    waitFor(pattern, timeoutMs, from = 0) {
      return new Promise((resolve, reject) => {
        let seen = from;
        const check = (): boolean => {
          for (; seen < lines.length; seen++) {
            if (pattern.test(lines[seen])) {
              done();
              resolve(lines[seen]);
              return true;
            }
          }
          return false;
        };
        const timer = setTimeout(() => {
          done();
          // The heap meter's lines left out: they would hide the app's own.
          const told = lines.filter((line) => !line.startsWith("heap: "));
          reject(new Error(`mcsim: no line matching ${pattern} within ${timeoutMs} ms; trace (heap lines left out):\n${told.slice(-40).join("\n")}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        const wake = (): void => void check();
        if (!check()) waiters.add(wake);
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // "quit" ends the app and the simulator; SIGINT makes xsbug-log stop mcsim too (SIGTERM would not).
      debuggerFrontEnd.stdin.end("quit\n");
      if (!(await exited(debuggerFrontEnd, 5000))) {
        debuggerFrontEnd.kill("SIGINT");
        if (!(await exited(debuggerFrontEnd, 3000))) debuggerFrontEnd.kill("SIGKILL");
      }
      await cleanUp();
    },
    async kill() {
      if (stopped) return;
      stopped = true;
      if (debuggerFrontEnd.pid !== undefined) process.kill(-debuggerFrontEnd.pid, "SIGKILL");
      await exited(debuggerFrontEnd, 5000);
      await cleanUp();
    },
  };
}
