// ECMA-419 file storage (typings/embedded/storage/files.d.ts): littlefs on esp32, POSIX on lin.
declare module "embedded:storage/files" {
  export class Status {
    size: number;
    mode: number;
    isFile(): boolean;
    isDirectory(): boolean;
  }
  export class File {
    close(): void;
    read(count: number, position: number): ArrayBuffer;
    write(buffer: ArrayBuffer | ArrayBufferView, position: number): void;
    status(): Status;
    setSize(length: number): void;
    flush(): void;
  }
  export class Directory {
    close(): void;
    openFile(options: { path: string; mode?: "r" | "r+" | "w" | "w+" }): File;
    openDirectory(options: { path: string }): Directory;
    /** false when the path does not exist (POSIX and littlefs alike). */
    delete(path: string): boolean;
    /** Renames, replacing an existing file (rename(2), lfs_rename). */
    move(from: string, to: string): void;
    /** A missing path gives mode 0 (isFile() false), not an exception. */
    status(path: string): Status;
    createDirectory(path: string): boolean;
  }
  /** The root of the file system (config.files, default $HOME on lin). */
  const files: Directory;
  export default files;
}
