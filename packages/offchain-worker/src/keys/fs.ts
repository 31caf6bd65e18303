/** Writing secret files: 0600, atomically (temporary file in the same directory, fsync, rename). */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Mode of key files: owner read/write only. */
export const FILE_MODE = 0o600;
/** Mode of a keystore directory the worker creates: owner only. */
export const DIR_MODE = 0o700;

/** Creates `dir` (and parents) with mode 0700 if missing. */
export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
}

/**
 * Writes `data` to `path` so that a reader sees either the old file or the whole new one,
 * never a partial write, and the file is never readable by others, not even briefly.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', FILE_MODE);
  try {
    await handle.chmod(FILE_MODE); // the umask may only have narrowed it; make it exact
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  // Persist the rename itself.
  const dirHandle = await open(dirname(path), 'r');
  try {
    await dirHandle.sync();
  } catch {
    // some file systems do not support fsync on directories; the rename is still atomic
  } finally {
    await dirHandle.close();
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
