// Types of native-addons.mjs (plain JavaScript: it runs before anything is compiled).
export function versionOfHeaders(prefix: string): string | undefined;
export function headerCandidates(execPath?: string): string[];
export function runningNodeHeaders(version?: string, candidates?: string[]): string | undefined;
export function ensureAddons(): void;
