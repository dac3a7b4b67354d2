// The pieces every network command shares (tools/client/cli.ts): broker flags, address checks,
// the one-line error for a broker that cannot be reached, --property lists, --version.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapFrom, checkBootstrap, impliedValue, parseProperties } from '../../../tools/client/cli.js';
import { parseBootstrap, parseHostPort } from '../../../tools/client/kafka-client.js';
import { kilnVersion } from '../../../server/config/kiln-version.js';
import { UsageError } from '../../../tools/kiln.js';
import { kiln } from '../run-command.js';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('broker addresses', () => {
  it('parses host:port, IPv6 literals and lists', () => {
    expect(parseHostPort('localhost:9092')).toEqual({ host: 'localhost', port: 9092 });
    expect(parseHostPort('[::1]:9093')).toEqual({ host: '::1', port: 9093 });
  });

  it('an unbracketed IPv6 address with a port is read as Kafka reads it (::1:19201 was "no host")', () => {
    expect(parseHostPort('::1:19201')).toEqual({ host: '::1', port: 19201 });
    expect(parseHostPort('fe80::1:9092')).toEqual({ host: 'fe80::1', port: 9092 });
    expect(parseHostPort('2001:db8::7:9094')).toEqual({ host: '2001:db8::7', port: 9094 });
  });

  it('parses lists', () => {
    expect(parseBootstrap('a:1, b.example:65535')).toEqual([
      { host: 'a', port: 1 },
      { host: 'b.example', port: 65535 },
    ]);
  });

  it('a malformed address is a usage error naming what is wrong', () => {
    for (const [address, why] of [
      ['foo', 'no port'],
      ['host:99999', 'port must be 1-65535'],
      ['host:0', 'port must be 1-65535'],
      [':x', 'no host'],
      [':9092', 'no host'],
      ['host:x', 'want host:port'],
      ['', 'no broker address'],
    ] as const) {
      expect(() => checkBootstrap(address), address).toThrow(UsageError);
      expect(() => checkBootstrap(address), address).toThrow(why);
    }
  });

  it('--broker-list is a synonym of --bootstrap-server; two different lists are refused', () => {
    expect(bootstrapFrom({ 'broker-list': 'a:1' })).toBe('a:1');
    expect(bootstrapFrom({ 'bootstrap-server': 'a:1', 'broker-list': 'a:1' })).toBe('a:1');
    expect(() => bootstrapFrom({ 'bootstrap-server': 'a:1', 'broker-list': 'b:1' })).toThrow(UsageError);
  });
});

describe('flag helpers', () => {
  it('a bare flag Kafka gives a default value to gets it; a given value is kept', () => {
    expect(impliedValue(['--compression-codec'], '--compression-codec', 'gzip')).toEqual([
      '--compression-codec',
      'gzip',
    ]);
    expect(impliedValue(['--compression-codec', '--topic', 't'], '--compression-codec', 'gzip')).toEqual([
      '--compression-codec',
      'gzip',
      '--topic',
      't',
    ]);
    expect(impliedValue(['--compression-codec', 'zstd'], '--compression-codec', 'gzip')).toEqual([
      '--compression-codec',
      'zstd',
    ]);
  });

  it('--property takes known names only, booleans as true/false', () => {
    const known = { 'print.key': 'boolean', 'key.separator': 'string' } as const;
    expect([...parseProperties(['print.key=true', 'key.separator=:'], known)]).toEqual([
      ['print.key', 'true'],
      ['key.separator', ':'],
    ]);
    expect(() => parseProperties(['print.kye=true'], known)).toThrow(/unknown --property 'print.kye'/);
    expect(() => parseProperties(['print.key=yes'], known)).toThrow(/true or false/);
  });
});

describe('every network command', () => {
  let port: number;
  beforeAll(async () => {
    port = await closedPort();
  });

  const commands = (b: string): string[][] => [
    ['produce', '--bootstrap-server', b, '--topic', 't', '--file', '/dev/null'],
    ['produce', '--broker-list', b, '--topic', 't', '--file', '/dev/null'],
    ['consume', '--bootstrap-server', b, '--topic', 't', '--timeout-ms', '100'],
    ['topics', '--bootstrap-server', b, '--list'],
    ['groups', '--bootstrap-server', b, '--list'],
    ['configs', '--bootstrap-server', b, '--entity-type', 'topics', '--entity-name', 't', '--describe'],
    ['perf', 'produce', '--bootstrap-server', b, '--topic', 't', '--num-records', '1'],
    ['perf', 'consume', '--bootstrap-server', b, '--topic', 't', '--num-records', '1'],
  ];

  it('says in one line that a broker cannot be reached, and exits 1', async () => {
    const address = `127.0.0.1:${port}`;
    for (const argv of commands(address)) {
      const result = await kiln(...argv);
      expect(result.code, argv.join(' ')).toBe(1);
      expect(result.stderr, argv.join(' ')).toBe(
        `kiln ${argv[0]}: cannot reach broker ${address} (ECONNREFUSED)\n`,
      );
    }
  });

  it('treats a malformed broker address as a usage error (exit 2)', async () => {
    for (const address of ['foo', 'host:99999', ':x']) {
      for (const argv of commands(address)) {
        const result = await kiln(...argv);
        expect(result.code, argv.join(' ')).toBe(2);
        expect(result.stderr, argv.join(' ')).toContain(`bad broker address '${address}'`);
      }
    }
  });

  it('names every address of a bootstrap list when none can be reached', async () => {
    const other = await closedPort();
    const list = `127.0.0.1:${port},127.0.0.1:${other}`;
    const result = await kiln('topics', '--bootstrap-server', list, '--list');
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `kiln topics: cannot reach any broker of 127.0.0.1:${port} (ECONNREFUSED), ` +
        `127.0.0.1:${other} (ECONNREFUSED)\n`,
    });
  });

  it('names an unresolvable host', async () => {
    const result = await kiln('topics', '--bootstrap-server', 'no-such-host.invalid:9092', '--list');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^kiln topics: cannot reach broker no-such-host\.invalid:9092 \(E[A-Z_]+\)\n$/,
    );
  });
});

describe('--version', () => {
  let version: string;
  beforeAll(() => {
    version = kilnVersion();
  });
  afterAll(() => {});

  it('prints kiln <version> at the top level and for every command', async () => {
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    for (const argv of [
      ['--version'],
      ['produce', '--version'],
      ['consume', '--version'],
      ['topics', '--version'],
      ['groups', '--version'],
      ['perf', 'consume', '--version'],
    ]) {
      const result = await kiln(...argv);
      expect(result, argv.join(' ')).toEqual({ code: 0, stdout: `kiln ${version}\n`, stderr: '' });
    }
  });
});
