// One process at a time in a directory: a PKI's (certs/pki.ts, certs/revocation.ts), an app's build folder
// (host-sim/mcsim/build.ts).
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Serialise generators on one directory across processes (vitest workers, a parallel `npm run certs`) and
 * within one: an exclusive lock directory, broken when its owner process is gone. Waits up to `waitMs` for it.
 */
export async function withDirLock<T>(dir: string, action: () => Promise<T>, waitMs = 120_000): Promise<T> {
  await mkdir(dir, { recursive: true });
  const lock = join(dir, ".lock");
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, "pid"), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(await readFile(join(lock, "pid"), "utf8").catch(() => "0"));
      if (owner > 0 && !alive(owner)) await rm(lock, { recursive: true, force: true });
      else if (attempt > waitMs / 100) throw new Error(`lock ${lock} held too long by pid ${owner}`, { cause: error });
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await action();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
