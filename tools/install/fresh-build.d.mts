// Types of fresh-build.mjs (plain JavaScript: it runs before anything is compiled).
export function newestSource(root?: string): number;
export function builtAt(root?: string): number;
export function isStale(root?: string): boolean;
export function build(root?: string): void;
export function ensureBuilt(root?: string): boolean;
export function withLock<T>(root: string, work: () => T): T;
export function takeOverDeadLock(root: string, deadHolder: number | string): void;
