/**
 * A service's state kept as one JSON file under its data folder: read once at start, written atomically
 * (temporary file + rename) a short while after changes, and flushed on stop. In memory when no folder is set.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface JsonState<T> {
  /** The stored state, or undefined when nothing was stored (or no folder is set). */
  load(): T | undefined;
  /** Schedule a write of `snapshot()` soon; many changes in a burst give one write. */
  changed(): void;
  /** Write now if a write is pending. */
  flush(): void;
}

/**
 * @param folder the service's data folder (e.g. `<dataDir>/sqs`); undefined keeps everything in memory
 * @param snapshot what to store, called at write time
 * @param delayMs how long to gather changes before writing
 */
export const jsonState = <T>(folder: string | undefined, snapshot: () => T, delayMs = 50): JsonState<T> => {
  const file = folder ? join(folder, 'state.json') : undefined;
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!file || !folder) return;
    mkdirSync(folder, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(snapshot()));
    renameSync(tmp, file);
  };
  return {
    load: () => (file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined),
    changed: () => {
      if (!file || timer) return;
      timer = setTimeout(flush, delayMs);
    },
    flush: () => {
      if (timer) flush();
    },
  };
};
