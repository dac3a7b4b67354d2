// Option parsing of kiln perf produce / consume: defaults, and bad values as usage errors (exit 2).
import { describe, expect, it } from 'vitest';
import { parseConsumeOptions, parseProduceOptions } from '../../../tools/perf/perf-options.js';
import { kiln } from '../run-command.js';

const BASE = ['--bootstrap-server', '127.0.0.1:1', '--topic', 't'];

describe('kiln perf options', () => {
  it('fills in the defaults of kiln perf produce', () => {
    expect(parseProduceOptions([...BASE, '--num-records', '10'])).toEqual({
      bootstrapServer: '127.0.0.1:1',
      topic: 't',
      numRecords: 10,
      recordSize: 100,
      throughput: -1,
      acks: 1,
      batchSize: 16384,
      lingerMs: 0,
      compression: 'none',
      partitions: 'all',
      maxInFlight: 5,
      createTopicPartitions: null,
      reportingIntervalMs: 1000,
      json: false,
    });
  });

  it('parses every produce option', () => {
    const options = parseProduceOptions([
      ...BASE,
      '--num-records=5',
      '--record-size=0',
      '--throughput=2.5',
      '--acks=all',
      '--batch-size=0',
      '--linger-ms=7',
      '--compression=zstd',
      '--partitions=2,0,2',
      '--max-in-flight=1',
      '--create-topic-partitions=3',
      '--reporting-interval=0',
      '--json',
    ]);
    expect(options).toMatchObject({
      recordSize: 0,
      throughput: 2.5,
      acks: -1,
      batchSize: 0,
      lingerMs: 7,
      compression: 'zstd',
      partitions: [0, 2],
      maxInFlight: 1,
      createTopicPartitions: 3,
      reportingIntervalMs: 0,
      json: true,
    });
  });

  it('takes negative values as Kafka tools are called: --throughput -1 --acks -1', () => {
    expect(
      parseProduceOptions([...BASE, '--num-records', '1', '--throughput', '-1', '--acks', '-1']),
    ).toMatchObject({ throughput: -1, acks: -1 });
  });

  it("takes kafka-producer-perf-test's command line unchanged: --producer-props k=v k=v, --broker-list", () => {
    const options = parseProduceOptions([
      '--topic',
      't',
      '--num-records',
      '100',
      '--record-size',
      '50',
      '--throughput',
      '-1',
      '--producer-props',
      'bootstrap.servers=127.0.0.1:9',
      'acks=all',
      'linger.ms=5',
      'batch.size=65536',
      'compression.type=lz4',
      'max.in.flight.requests.per.connection=2',
    ]);
    expect(options).toMatchObject({
      bootstrapServer: '127.0.0.1:9',
      acks: -1,
      lingerMs: 5,
      batchSize: 65536,
      compression: 'lz4',
      maxInFlight: 2,
      recordSize: 50,
    });
    expect(
      parseProduceOptions(['--broker-list', '127.0.0.1:7', '--topic', 't', '--num-records', '1']),
    ).toMatchObject({
      bootstrapServer: '127.0.0.1:7',
    });
  });

  it('--producer.config FILE, under --producer-props, under kiln flags; unknown properties warn', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-perf-')), 'producer.properties');
    fs.writeFileSync(file, '# a producer\nacks=0\nlinger.ms=9\nbuffer.memory=33554432\n');
    const result = await kiln(
      'perf',
      'produce',
      ...BASE.slice(0, 2),
      '--topic',
      'nowhere',
      '--num-records',
      '1',
      '--producer.config',
      file,
      '--producer-props',
      'linger.ms=3',
      '--linger-ms',
      '1',
    );
    // The broker at 127.0.0.1:1 cannot be reached: the options were taken, the command ends there.
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('buffer.memory has no meaning for kiln perf and is ignored');
    const options = parseProduceOptions([
      ...BASE,
      '--num-records',
      '1',
      '--producer.config',
      file,
      '--producer-props',
      'linger.ms=3',
    ]);
    expect(options).toMatchObject({ acks: 0, lingerMs: 3 });
    expect(
      parseProduceOptions([...BASE, '--num-records', '1', '--producer.config', file, '--linger-ms', '1'])
        .lingerMs,
    ).toBe(1);
    fs.rmSync(path.dirname(file), { recursive: true });
  });

  it("takes kafka-consumer-perf-test's flags: --messages, --broker-list, --fetch-size, --timeout, --from-latest", () => {
    expect(
      parseConsumeOptions([
        '--broker-list',
        '127.0.0.1:5',
        '--topic',
        't',
        '--messages',
        '1000',
        '--fetch-size',
        '65536',
        '--timeout',
        '2000',
        '--from-latest',
      ]),
    ).toMatchObject({
      bootstrapServer: '127.0.0.1:5',
      numRecords: 1000,
      maxPartitionFetchBytes: 65536,
      timeoutMs: 2000,
      from: 'end',
    });
  });

  it('fills in the defaults of kiln perf consume', () => {
    expect(parseConsumeOptions([...BASE, '--timeout-ms', '500'])).toEqual({
      bootstrapServer: '127.0.0.1:1',
      topic: 't',
      numRecords: null,
      timeoutMs: 500,
      partitions: 'all',
      from: 'beginning',
      group: null,
      fetchMaxBytes: 52428800,
      maxPartitionFetchBytes: 1048576,
      fetchMaxWaitMs: 500,
      fetchMinBytes: 1,
      reportingIntervalMs: 1000,
      json: false,
    });
    expect(parseConsumeOptions([...BASE, '--num-records', '3'])).toMatchObject({
      numRecords: 3,
      timeoutMs: 10000,
    });
  });

  it.each([
    [['produce', '--topic', 't', '--num-records', '1'], /--bootstrap-server HOST:PORT is required/],
    [['produce', '--bootstrap-server', 'h:1', '--num-records', '1'], /--topic is required/],
    [['produce', ...BASE], /--num-records is required/],
    [['produce', ...BASE, '--num-records', '0'], /--num-records must be at least 1, got 0/],
    [['produce', ...BASE, '--num-records', 'lots'], /--num-records must be an integer, got 'lots'/],
    [['produce', ...BASE, '--num-records', '1', '--acks', '2'], /--acks must be 0, 1, -1 or all, got '2'/],
    [
      ['produce', ...BASE, '--num-records', '1', '--throughput', '0'],
      /--throughput must be records per second/,
    ],
    [['produce', ...BASE, '--num-records', '1', '--throughput', '-2'], /--throughput must be/],
    [
      ['produce', ...BASE, '--num-records', '1', '--compression', 'brotli'],
      /--compression must be none, gzip/,
    ],
    [
      ['produce', ...BASE, '--num-records', '1', '--partitions', '1,x'],
      /--partitions must be 'all' or a comma/,
    ],
    [['produce', ...BASE, '--num-records', '1', '--max-in-flight', '0'], /--max-in-flight must be between 1/],
    [['produce', ...BASE, '--num-records', '1', '--record-size', '-1'], /--record-size must be between 0/],
    [['produce', ...BASE, '--num-records', '1', '--linger-ms', '1.5'], /--linger-ms must be an integer/],
    [
      ['produce', ...BASE, '--num-records', '1', '--create-topic-partitions', '0'],
      /--create-topic-partitions/,
    ],
    [['produce', ...BASE, '--num-records', '1', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['consume', ...BASE], /give --num-records N or --timeout-ms MS/],
    [['consume', ...BASE, '--timeout-ms', '0'], /--timeout-ms must be at least 1/],
    [['consume', ...BASE, '--timeout-ms', '5', '--from', 'middle'], /--from must be beginning or end/],
    [['consume', ...BASE, '--timeout-ms', '5', '--group', 'g', '--partitions', '0'], /cannot be combined/],
    [
      ['consume', ...BASE, '--timeout-ms', '5', '--fetch-max-bytes', '0'],
      /--fetch-max-bytes must be between 1/,
    ],
    [['produce', ...BASE, '--num-records', '1', '--producer-props'], /--producer-props needs key=value/],
    [['produce', ...BASE, '--num-records', '1', '--producer-props', 'acks'], /expected key=value/],
    [['produce', '--topic', 't', '--num-records', '1', '--producer.config', '/no/such/file'], /ENOENT/],
    [['mystery'], /unknown mode 'mystery'/],
    [[], /give produce or consume/],
  ])('kiln perf %j is a usage error', async (argv, message) => {
    const result = await kiln('perf', ...argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('usage: kiln perf produce');
    expect(result.stdout).toBe('');
  });

  it('prints the full usage for --help', async () => {
    const result = await kiln('perf', 'produce', '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--create-topic-partitions N');
    expect(result.stdout).toContain('--max-partition-fetch-bytes');
  });
});
