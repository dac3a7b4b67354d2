import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildBrokerConfig } from '../../../server/config/broker-config.js';
import {
  DYNAMIC_CONFIG_FILE,
  DynamicBrokerConfigs,
  DynamicConfigError,
} from '../../../server/config/dynamic-broker-configs.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

describe('DynamicBrokerConfigs', () => {
  let dir: string;
  let warnings: string[];
  const open = (brokerId = 0) => DynamicBrokerConfigs.open(dir, brokerId, (m) => warnings.push(m));
  const file = () => path.join(dir, DYNAMIC_CONFIG_FILE);
  beforeEach(() => {
    dir = makeTempDir('kiln-dynamic-');
    warnings = [];
  });
  afterEach(() => removeTempDir(dir));

  it('no file is an empty set, without a warning', () => {
    const configs = open();
    expect(configs.get('broker')).toEqual({});
    expect(configs.get('default')).toEqual({});
    expect(warnings).toEqual([]);
  });

  it('saves each change atomically and reads it back', () => {
    open().replace('default', { 'log.retention.ms': '1000' });
    const reopened = open();
    expect(reopened.get('default')).toEqual({ 'log.retention.ms': '1000' });
    expect(fs.readdirSync(dir)).toEqual([DYNAMIC_CONFIG_FILE]);
  });

  it.each([
    ['not JSON', '{"version":1,"broker":'],
    ['a wrong version', '{"version":7,"broker":{},"default":{}}'],
    ['a wrong shape', '{"version":1,"broker":[1,2],"default":{}}'],
    ['an empty file', ''],
  ])('a damaged file (%s) is reported and ignored, never fatal', (_what, text) => {
    fs.writeFileSync(file(), text);
    const configs = open();
    expect(configs.get('broker')).toEqual({});
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/damaged.*dynamic broker configs ignored/);
    // The next change replaces the damaged file.
    configs.replace('broker', { 'log.segment.bytes': '1048576' });
    expect(open().get('broker')).toEqual({ 'log.segment.bytes': '1048576' });
  });

  it('a damaged file is moved aside at the next change, not overwritten (its values were lost)', () => {
    const damaged = '{"version":1,"broker":{"log.retention.ms":"5000"},"default":{"log.cleanup.policy":"comp';
    fs.writeFileSync(file(), damaged);
    const configs = open();
    const aside = warnings[0]!.match(/moves the file to (\S+)\)/)?.[1];
    expect(aside).toMatch(/^dynamic-broker-configs\.json\.damaged-\d+$/);
    // Opening writes nothing.
    expect(fs.readdirSync(dir)).toEqual([DYNAMIC_CONFIG_FILE]);
    configs.replace('broker', { 'log.segment.bytes': '1048576' });
    expect(fs.readFileSync(path.join(dir, aside!), 'utf8')).toBe(damaged);
    expect(open().get('broker')).toEqual({ 'log.segment.bytes': '1048576' });
    expect(fs.readdirSync(dir).sort()).toEqual([DYNAMIC_CONFIG_FILE, aside].sort());
  });

  it("a value given with spaces (' 5000 ') is kept trimmed, as server.properties values are", () => {
    open().replace('broker', { 'log.retention.ms': ' 5000 ' });
    expect(open().get('broker')).toEqual({ 'log.retention.ms': '5000' });
  });

  it('entries no longer valid are dropped with a warning; the rest are kept', () => {
    fs.writeFileSync(
      file(),
      JSON.stringify({
        version: 1,
        brokerId: 0,
        broker: { 'num.partitions': '3', 'log.retention.ms': '5000', 'log.segment.bytes': 'big' },
        default: {},
      }),
    );
    expect(open().get('broker')).toEqual({ 'log.retention.ms': '5000' });
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toMatch(/num\.partitions=3 ignored: Cannot update these configs dynamically/);
    expect(warnings.join('\n')).toMatch(/log\.segment\.bytes=big ignored/);
  });

  it("another broker's per-broker values are not applied; the cluster default is", () => {
    open(3).replace('broker', { 'log.retention.ms': '5000' });
    open(3).replace('default', { 'log.retention.ms': '6000' });
    const configs = open(0);
    expect(configs.get('broker')).toEqual({});
    expect(configs.get('default')).toEqual({ 'log.retention.ms': '6000' });
    expect(warnings[0]).toMatch(/broker 3 ignored, this is broker 0/);
  });

  it('the broker level wins over the cluster default, which wins over server.properties', () => {
    const base = buildBrokerConfig({
      'log.retention.minutes': '10',
      'log.segment.bytes': '100000',
    }).logDefaults;
    const configs = open();
    configs.replace('default', { 'log.retention.ms': '2000', 'log.segment.bytes': '200000' });
    configs.replace('broker', { 'log.retention.ms': '1000' });
    expect(configs.logDefaults(base)).toMatchObject({ retentionMs: 1000, segmentBytes: 200000 });
    configs.replace('broker', {});
    configs.replace('default', {});
    expect(configs.logDefaults(base)).toMatchObject({ retentionMs: 600_000, segmentBytes: 100000 });
  });

  it('a refused change leaves the file and the values as they were', () => {
    const configs = open();
    configs.replace('broker', { 'log.retention.ms': '1000' });
    const before = fs.readFileSync(file(), 'utf8');
    expect(() => configs.replace('broker', { 'log.retention.ms': '-5' })).toThrow(DynamicConfigError);
    expect(fs.readFileSync(file(), 'utf8')).toBe(before);
    expect(configs.get('broker')).toEqual({ 'log.retention.ms': '1000' });
  });
});
