// `kiln configs` against a real broker, with kafka-configs' flags and output.
import { describe, expect, it } from 'vitest';
import { kiln } from '../run-command.js';
import { useCommandBroker } from './command-broker.js';

const cmd = useCommandBroker();

type Shown = { name: string; value: string | null; source: string; synonyms: { source: string }[] };
const describeJson = async (...entity: string[]): Promise<Shown[]> =>
  JSON.parse((await kiln('configs', ...cmd.bs, '--describe', ...entity, '--json')).stdout) as Shown[];

describe('kiln configs', () => {
  it('describes and alters topic configs with IncrementalAlterConfigs, in kafka-configs’ layout', async () => {
    await kiln('topics', ...cmd.bs, '--create', '--topic', 'conf', '--config', 'retention.ms=1000');
    const entity = ['--entity-type', 'topics', '--entity-name', 'conf'];
    const before = await kiln('configs', ...cmd.bs, '--describe', ...entity);
    expect(before.stdout).toContain('Dynamic configs for topic conf are:\n');
    expect(before.stdout).toMatch(
      /^ {2}retention\.ms=1000 sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:retention\.ms=1000, DEFAULT_CONFIG:log\.retention\.\w+=\d+/m,
    );

    const altered = await kiln(
      'configs',
      ...cmd.bs,
      '--alter',
      ...entity,
      '--add-config',
      'segment.ms=100000,retention.bytes=5000',
      '--delete-config',
      'retention.ms',
    );
    expect(altered).toMatchObject({ code: 0, stdout: 'Completed updating config for topic conf.\n' });
    const after = await describeJson(...entity);
    expect(Object.fromEntries(after.map((c) => [c.name, c.value]))).toEqual({
      'segment.ms': '100000',
      'retention.bytes': '5000',
    });
    const all = await describeJson(...entity, '--all');
    expect(all.find((c) => c.name === 'retention.ms')?.source).toBe('DEFAULT_CONFIG');
    expect((await kiln('configs', ...cmd.bs, '--describe', ...entity, '--all')).stdout).toContain(
      'All configs for topic conf are:\n',
    );
  });

  it('a list value in square brackets is one value ([compact,delete] was split at its comma)', async () => {
    await kiln('topics', ...cmd.bs, '--create', '--topic', 'listed');
    const altered = await kiln(
      'configs',
      ...cmd.bs,
      '--alter',
      '--topic',
      'listed',
      '--add-config',
      'cleanup.policy=[compact,delete],retention.ms=7000',
    );
    expect(altered.code).toBe(0);
    const shown = Object.fromEntries((await describeJson('--topic', 'listed')).map((c) => [c.name, c.value]));
    expect(shown).toEqual({ 'cleanup.policy': 'compact,delete', 'retention.ms': '7000' });
  });

  it('message.format.version is accepted with a warning, as by Kafka 3.x tools (it was refused as unknown)', async () => {
    const created = await kiln(
      'topics',
      ...cmd.bs,
      '--create',
      '--topic',
      'old-format',
      '--config',
      'message.format.version=0.11.0',
    );
    expect(created.code).toBe(0);
    expect(created.stderr).toMatch(
      /^Warning: message\.format\.version is deprecated since Kafka 3\.0 and ignored/m,
    );
    const altered = await kiln(
      'configs',
      ...cmd.bs,
      '--alter',
      '--topic',
      'old-format',
      '--add-config',
      'message.format.version=2.4-IV1',
    );
    expect(altered.code).toBe(0);
    expect(altered.stderr).toMatch(/^Warning: message\.format\.version is deprecated/m);
    const shown = Object.fromEntries(
      (await describeJson('--topic', 'old-format')).map((c) => [c.name, c.value]),
    );
    expect(shown).toEqual({ 'message.format.version': '2.4-IV1' });
  });

  it('--add-config-file sets the keys of a properties file', async () => {
    await kiln('topics', ...cmd.bs, '--create', '--topic', 'filed');
    const file = cmd.inputFile('topic.properties', [
      '# overrides',
      'retention.ms=9000',
      'max.message.bytes = 2000000',
    ]);
    expect(
      (await kiln('configs', ...cmd.bs, '--alter', '--topic', 'filed', '--add-config-file', file)).code,
    ).toBe(0);
    const shown = Object.fromEntries((await describeJson('--topic', 'filed')).map((c) => [c.name, c.value]));
    expect(shown).toEqual({ 'retention.ms': '9000', 'max.message.bytes': '2000000' });
  });

  it('broker configs: one broker, the cluster default (--entity-default), --broker shortcuts', async () => {
    const set = await kiln(
      'configs',
      ...cmd.bs,
      '--alter',
      '--entity-type',
      'brokers',
      '--entity-default',
      '--add-config',
      'log.retention.ms=86400000',
    );
    expect(set).toMatchObject({
      code: 0,
      stdout: 'Completed updating default config for brokers in the cluster.\n',
    });
    const defaults = await kiln(
      'configs',
      ...cmd.bs,
      '--describe',
      '--entity-type',
      'brokers',
      '--entity-default',
    );
    expect(defaults.stdout).toContain('Default configs for brokers in the cluster are:\n');
    expect(defaults.stdout).toMatch(
      / {2}log\.retention\.ms=86400000 sensitive=false synonyms=\{DYNAMIC_DEFAULT_BROKER_CONFIG:/,
    );

    expect(
      (
        await kiln(
          'configs',
          ...cmd.bs,
          '--alter',
          '--broker',
          '0',
          '--add-config',
          'log.retention.ms=3600000',
        )
      ).stdout,
    ).toBe('Completed updating config for broker 0.\n');
    const mine = await kiln('configs', ...cmd.bs, '--describe', '--broker', '0');
    expect(mine.stdout).toContain('Dynamic configs for broker 0 are:\n');
    expect(mine.stdout).toMatch(
      /log\.retention\.ms=3600000 sensitive=false synonyms=\{DYNAMIC_BROKER_CONFIG:log\.retention\.ms=3600000, DYNAMIC_DEFAULT_BROKER_CONFIG:log\.retention\.ms=86400000/,
    );
    // Every broker when none is named.
    expect((await kiln('configs', ...cmd.bs, '--describe', '--entity-type', 'brokers')).stdout).toContain(
      'Dynamic configs for broker 0 are:',
    );
    await kiln('configs', ...cmd.bs, '--alter', '--broker', '0', '--delete-config', 'log.retention.ms');
    await kiln('configs', ...cmd.bs, '--alter', '--broker-defaults', '--delete-config', 'log.retention.ms');
    expect(await describeJson('--broker', '0')).toEqual([]);
  });

  it('reports a bad value and a read-only broker property by their Kafka errors (exit 1)', async () => {
    await kiln('topics', ...cmd.bs, '--create', '--topic', 'badconf');
    const bad = await kiln(
      'configs',
      ...cmd.bs,
      '--alter',
      '--topic',
      'badconf',
      '--add-config',
      'retention.ms=soon',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/INVALID_CONFIG|INVALID_REQUEST/);
    const fixed = await kiln(
      'configs',
      ...cmd.bs,
      '--alter',
      '--broker',
      '0',
      '--add-config',
      'log.dirs=/elsewhere',
    );
    expect(fixed.code).toBe(1);
    expect(fixed.stderr).toContain('log.dirs');
  });

  it('bad usage is exit 2 with a readable message', async () => {
    const cases: [string[], RegExp][] = [
      [['--describe'], /name the entity/],
      [['--describe', '--entity-type', 'users', '--entity-name', 'x'], /no users configs/],
      [['--describe', '--entity-type', 'tables', '--entity-name', 'x'], /topics or brokers/],
      [['--describe', '--entity-type', 'topics', '--entity-default'], /brokers only/],
      [['--describe', '--entity-type', 'brokers', '--entity-name', 'one'], /by its id/],
      [['--alter', '--topic', 't'], /--alter needs/],
      [['--alter', '--topic', 't', '--add-config', 'a=[1,2'], /unclosed/],
      [['--alter', '--topic', 't', '--add-config', 'novalue'], /key=value/],
      [['--alter', '--topic', 't', '--add-config', 'a=1', '--delete-config', 'a'], /both added and deleted/],
      [['--alter', '--entity-type', 'topics', '--add-config', 'a=1'], /entity named/],
      [['--describe', '--topic', 't', '--add-config', 'a=1'], /go with --alter/],
    ];
    for (const [args, message] of cases) {
      const result = await kiln('configs', ...cmd.bs, ...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
  });
});
