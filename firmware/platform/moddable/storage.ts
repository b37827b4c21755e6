// The Storage port on the device's file system (`embedded:storage/files`: littlefs in the esp32 "storage"
// partition; POSIX files under config.files, by default $HOME, in the lin simulator). Both implementations
// answer a missing path the same way (status mode 0, delete false), which files-storage.ts relies on.
import Modules from "modules";
import { FilesStorage, type FilesDirectory } from "../files-storage.js";

/** The module's default export is the file system's root directory. The module opens the file system at
 *  its top level, so it cannot be preloaded, nor can a module that imports it: it is loaded here, at run
 *  time, and this module stays in flash. */
interface FilesRoot {
  createDirectory(path: string): boolean;
  openDirectory(options: { path: string }): FilesDirectory;
}

/** The app's files live in one directory below the file system's root, created on first use. */
export function openStorage(directory: string): FilesStorage {
  const root = Modules.importNow("embedded:storage/files") as FilesRoot; // the default export
  root.createDirectory(directory); // false when it exists already
  return new FilesStorage(root.openDirectory({ path: directory }));
}
