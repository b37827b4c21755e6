// An `embedded:storage/files` Directory over node:fs with the semantics of the SDK's POSIX implementation
// (modules/io/files/posix/files-posix.c, what the lin simulator runs): status() of a missing path reports
// mode 0 instead of throwing, openFile "r"/"r+" need the file, "w" creates and truncates, delete() of a
// missing path answers false, move() renames.
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { FilesDirectory, FilesFile } from "../../firmware/platform/files-storage.js";

export class PosixDirectory implements FilesDirectory {
  /** Every call, for tests that check the order of operations. */
  readonly log: string[] = [];
  /** Make the next write() fail after writing this many bytes (a reset in the middle of a write). */
  failWriteAfter: number | undefined;

  constructor(readonly root: string) {}

  status(path: string): { size: number; mode: number; isFile(): boolean } {
    this.log.push(`status ${path}`);
    try {
      const s = statSync(join(this.root, path));
      return { size: s.size, mode: s.mode, isFile: () => s.isFile() };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      return { size: 0, mode: 0, isFile: () => false };
    }
  }

  openFile(options: { path: string; mode?: "r" | "r+" | "w" | "w+" }): FilesFile {
    const mode = options.mode ?? "r";
    this.log.push(`open ${options.path} ${mode}`);
    const fd = openSync(join(this.root, options.path), mode);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const directory = this;
    return {
      read(count, position) {
        const out = new Uint8Array(count);
        const n = readSync(fd, out, 0, count, position);
        return out.buffer.slice(0, n);
      },
      write(buffer, position) {
        const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
        const limit = directory.failWriteAfter;
        if (limit !== undefined) {
          directory.failWriteAfter = undefined;
          writeSync(fd, bytes.subarray(0, limit), 0, Math.min(limit, bytes.length), position);
          throw new Error("EIO: simulated power loss during write");
        }
        writeSync(fd, bytes, 0, bytes.length, position);
      },
      flush() {
        fsyncSync(fd);
      },
      close() {
        closeSync(fd);
      },
      status() {
        return fstatSync(fd);
      },
    } as FilesFile;
  }

  delete(path: string): boolean {
    this.log.push(`delete ${path}`);
    try {
      unlinkSync(join(this.root, path));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
  }

  move(from: string, to: string): void {
    this.log.push(`move ${from} ${to}`);
    renameSync(join(this.root, from), join(this.root, to));
  }
}
