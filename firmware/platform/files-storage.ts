// The Storage port over the ECMA-419 file system (`embedded:storage/files`: littlefs on esp32, POSIX files
// on the lin simulator). Pure: it receives a directory object, so the host tests drive it with a fake.
import type { BufferLike, Storage } from "./ports.js";
import { storageRange } from "./storage-range.js";

/** What this binding needs of an `embedded:storage/files` Directory (typings/embedded/storage/files.d.ts). */
export interface FilesDirectory {
  status(path: string): { readonly size: number; isFile(): boolean };
  openFile(options: { path: string; mode?: "r" | "r+" | "w" | "w+" }): FilesFile;
  delete(path: string): boolean;
  move(from: string, to: string): void;
}

export interface FilesFile {
  read(count: number, position: number): ArrayBuffer;
  write(buffer: ArrayBuffer | ArrayBufferView, position: number): void;
  flush(): void;
  close(): void;
}

/** Suffix of the file a replacing write() goes to first; moved over the target once complete. */
const REPLACEMENT = ".new";

export class FilesStorage implements Storage {
  readonly #dir: FilesDirectory;

  constructor(directory: FilesDirectory) {
    this.#dir = directory;
  }

  read(name: string, position?: number, count?: number): ArrayBuffer | undefined {
    const status = this.#dir.status(name);
    if (!status.isFile()) return undefined; // a missing path reports mode 0, not an exception
    const [start, end] = storageRange(status.size, position, count);
    if (end === start) return new ArrayBuffer(0);
    const file = this.#dir.openFile({ path: name, mode: "r" });
    try {
      return file.read(end - start, start);
    } finally {
      file.close();
    }
  }

  size(name: string): number | undefined {
    const status = this.#dir.status(name);
    return status.isFile() ? status.size : undefined;
  }

  append(name: string, bytes: BufferLike): void {
    const status = this.#dir.status(name);
    const exists = status.isFile();
    const file = this.#dir.openFile({ path: name, mode: exists ? "r+" : "w" });
    try {
      if (bytes.byteLength > 0) file.write(bytes, exists ? status.size : 0);
      file.flush(); // durable before the caller counts the record as stored
    } finally {
      file.close();
    }
  }

  /** Replaces the contents atomically: written to "<name>.new" and renamed over the old file, so a reset
   *  leaves either the old or the new contents, never a torn mix. */
  write(name: string, bytes: BufferLike): void {
    const temporary = name + REPLACEMENT;
    const file = this.#dir.openFile({ path: temporary, mode: "w" });
    try {
      if (bytes.byteLength > 0) file.write(bytes, 0);
      file.flush();
    } finally {
      file.close();
    }
    this.#dir.move(temporary, name);
  }

  delete(name: string): void {
    this.#dir.delete(name);
  }
}
