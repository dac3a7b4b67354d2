/**
 * The data directories (log.dirs) before the engine opens them: created if missing, each with
 * Kafka's `meta.properties` (version, broker.id, cluster.id); the cluster id is made once and kept.
 *
 * A directory that cannot be used is an error saying why in plain words, naming the path (the
 * broker then exits non-zero without a stack). Directories this start created are remembered, so
 * a start that fails later (the port is taken) removes them again and leaves no half-made data
 * directory behind; directories that existed before are never touched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { newTopicId } from '../cluster/topic-store.js';
import { writeFileAtomically } from '../../engine/index.js';

export const META_PROPERTIES = 'meta.properties';

/** Why a file operation failed, by errno code, in words. */
const REASONS: Record<string, string> = {
  EACCES: 'permission denied: the broker may not write there',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is mounted read-only',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EEXIST: 'it exists and is not a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  ENOENT: 'a part of the path does not exist',
  ELOOP: 'too many symbolic links in the path',
  ENAMETOOLONG: 'the path is too long',
  EIO: 'an I/O error from the device',
};

/** A data directory that cannot be used; the message names it and says why. */
export class DataDirError extends Error {
  constructor(
    readonly dir: string,
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`cannot use data directory ${dir}: ${reason}${code && REASONS[code] ? ` (${code})` : ''}`);
    this.name = 'DataDirError';
  }
}

/** The errno code of `err` or of an error it wraps. */
export function errnoCode(err: unknown): string | undefined {
  for (let e = err; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  return undefined;
}

/** `err` (from creating, locking or opening `dir`) as a DataDirError when it is a file-system error. */
export function dataDirError(dir: string, err: unknown): unknown {
  if (err instanceof DataDirError) return err;
  const code = errnoCode(err);
  if (!code) return err;
  return new DataDirError(dir, code, REASONS[code] ?? (err as Error).message);
}

export interface PreparedDirs {
  clusterId: string;
  /** Directories this call created (the topmost new one of each path), to remove on a failed start. */
  created: string[];
}

/** The cluster id the data directories' meta.properties carry (the first found), if any. */
export function existingClusterId(logDirs: string[]): string | undefined {
  for (const dir of logDirs) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, META_PROPERTIES), 'utf8');
    } catch {
      continue;
    }
    const found = /^cluster\.id=(.+)$/m.exec(text)?.[1]?.trim();
    if (found) return found;
  }
  return undefined;
}

/** Creates the data directories and their meta.properties; returns the cluster id. */
export function prepareDataDirs(logDirs: string[], brokerId: number, configured?: string): PreparedDirs {
  let clusterId = configured;
  for (const dir of logDirs) {
    const file = path.join(dir, META_PROPERTIES);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      throw dataDirError(dir, err);
    }
    const found = /^cluster\.id=(.+)$/m.exec(text)?.[1]?.trim();
    if (found && clusterId && found !== clusterId) {
      throw new DataDirError(dir, undefined, `${file} belongs to cluster ${found}, not ${clusterId}`);
    }
    clusterId ??= found;
  }
  clusterId ??= newTopicId();
  const created: string[] = [];
  try {
    for (const dir of logDirs) {
      try {
        const first = makeDirs(dir);
        if (first !== undefined) created.push(first);
        const file = path.join(dir, META_PROPERTIES);
        if (!fs.existsSync(file)) {
          writeFileAtomically(
            file,
            `#Written by Kiln\nversion=0\nbroker.id=${brokerId}\ncluster.id=${clusterId}\n`,
          );
        }
      } catch (err) {
        throw dataDirError(dir, err);
      }
    }
  } catch (err) {
    removeCreatedDirs(created);
    throw err;
  }
  return { clusterId, created };
}

/**
 * `mkdir -p` one level at a time, returning the first directory it created. Node's recursive
 * mkdir reports a read-only file system (EROFS) or a denied parent as ENOENT, which would send the
 * user looking for a missing path; creating each level on its own gives the real reason.
 */
function makeDirs(dir: string): string | undefined {
  const missing: string[] = [];
  for (let at = path.resolve(dir); !fs.existsSync(at); at = path.dirname(at)) {
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const level of missing) fs.mkdirSync(level);
  if (missing.length === 0 && !fs.statSync(dir).isDirectory()) fs.mkdirSync(dir); // EEXIST
  return missing[0];
}

/** Removes directories a failed start created (best effort: the start's own error is what matters). */
export function removeCreatedDirs(created: string[]): void {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
}
