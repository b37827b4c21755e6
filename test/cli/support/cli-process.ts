// Runs host-sim/cli.ts as a child process, as `npm start` would (node --import tsx, so the pid is the
// simulator itself and SIGKILL kills exactly it), and collects what it prints.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface CliRun {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** Resolves when a stdout line matches. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export function startCli(args: string[]): CliRun {
  const child = spawn(process.execPath, ["--import", "tsx", "host-sim/cli.ts", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FORCE_COLOR: "0" },
  });
  running.add(child);
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  child.stdout!.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
    for (const l of listeners) l();
  });
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? "unknown");
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLine(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const line = out.split("\n").find((l) => pattern.test(l));
          if (line === undefined) return false;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(line);
          return true;
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no output line matched ${pattern} in ${timeoutMs} ms:\n${out.slice(-2000)}\n${err.slice(-2000)}`));
        }, timeoutMs);
        if (!check()) listeners.add(check);
        void exited.then(() => {
          if (listeners.has(check)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`the CLI exited before printing ${pattern}:\n${out.slice(-2000)}\n${err.slice(-2000)}`));
          }
        });
      });
    },
  };
}

/** The "<id>: N readings acknowledged (last seq S), P in the outbox, R carried over..." summary printed on exit. */
/** The device's certificate line at exit: when the certificate in use expires, and the renewals in the run. */
export function certificateOf(stdout: string, deviceId: string): { expires: number; renewals: number } {
  const match = new RegExp(`^${deviceId}: certificate valid until (\\S+), renewed (\\d+) times in this run$`, "m").exec(stdout);
  if (!match) throw new Error(`no certificate line for ${deviceId} in:\n${stdout.slice(-2000)}`);
  return { expires: Date.parse(match[1]), renewals: Number(match[2]) };
}

export function summaryOf(stdout: string, deviceId: string): { acknowledged: number; lastSeq: number; outbox: number; recovered: number } {
  const match = new RegExp(
    `^${deviceId}: (\\d+) readings acknowledged \\(last seq (\\d+)\\), (\\d+) in the outbox, (\\d+) carried over from before the start$`,
    "m",
  ).exec(stdout);
  if (!match) throw new Error(`no summary for ${deviceId} in:\n${stdout.slice(-2000)}`);
  return { acknowledged: Number(match[1]), lastSeq: Number(match[2]), outbox: Number(match[3]), recovered: Number(match[4]) };
}
