/**
 * `kiln` — Kiln's command line. Each subcommand lives in tools/commands/<name>.ts and exports
 * `command: Command`; this file only finds it and runs it. `kiln --help` lists them all.
 *
 * Exit codes: 0 success, 1 the command ran and found a problem (e.g. verify found corruption),
 * 2 bad usage or input (a readable message on stderr), 3 an unexpected failure. `--version`
 * anywhere prints `kiln <version>`.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kilnVersion } from '../server/config/kiln-version.js';

export interface Command {
  name: string;
  /** One line for `kiln --help`. */
  summary: string;
  /** Full help for `kiln <name> --help`. */
  usage: string;
  run(argv: string[]): Promise<number>;
}

export class UsageError extends Error {}

const COMMANDS_DIR = new URL('./commands/', import.meta.url);
const EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

async function loadCommands(): Promise<Command[]> {
  const files = fs
    .readdirSync(fileURLToPath(COMMANDS_DIR))
    .filter((name) => name.endsWith(EXTENSION) && !name.endsWith(`.d${EXTENSION}`))
    .sort();
  const commands: Command[] = [];
  for (const file of files) {
    const module = (await import(new URL(file, COMMANDS_DIR).href)) as { command?: Command };
    if (module.command) commands.push(module.command);
  }
  return commands;
}

export async function main(argv: string[]): Promise<number> {
  const commands = await loadCommands();
  const [name, ...rest] = argv;
  // Kafka's tools all answer --version; so do `kiln` and each of its commands.
  if (name === '--version' || name === '-V' || rest.includes('--version')) {
    process.stdout.write(`kiln ${kilnVersion()}\n`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const width = Math.max(...commands.map((c) => c.name.length), 8);
    process.stdout.write(
      `usage: kiln <command> [options]\n\ncommands:\n${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}\n\nkiln <command> --help shows a command's options; kiln --version prints the version.\n`,
    );
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`kiln: unknown command '${name}' (kiln --help lists them)\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.usage.trimEnd() + '\n');
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`kiln ${name}: ${(err as Error).message}\n\n${command.usage.trimEnd()}\n`);
      return 2;
    }
    process.stderr.write(`kiln ${name}: ${(err as Error).message}\n`);
    return 3;
  }
}

// Run when executed directly (bin/kiln.js or `tsx tools/kiln.ts`), not when imported by tests.
if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  process.exitCode = await main(process.argv.slice(2));
}
