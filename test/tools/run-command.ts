// Runs a kiln command in-process (its run(), as tools/kiln.ts would) and captures what it writes,
// so tests see exactly the CLI's output without paying for a child process per command.
import { vi } from 'vitest';
import { main } from '../../tools/kiln.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function kiln(...argv: string[]): Promise<CommandResult> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  });
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
