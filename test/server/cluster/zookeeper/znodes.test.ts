import { describe, expect, it } from 'vitest';
import {
  brokerConfigPath,
  brokerZnode,
  clusterIdZnode,
  configChangeZnode,
  controllerEpochZnode,
  controllerZnode,
  entityConfigZnode,
  isrChangeZnode,
  partitionStatePath,
  partitionStateZnode,
  producerIdBlockZnode,
  topicZnode,
  ZnodeFormatError,
} from '../../../../server/cluster/zookeeper/znodes.js';

const b = (text: string): Buffer => Buffer.from(text, 'utf8');

describe("Kafka's znode formats", () => {
  it('reads what Kafka writes: a version 4 and a version 5 broker registration', () => {
    const v4 = brokerZnode.decode(
      1,
      b(
        '{"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://kafka1:9092"],' +
          '"jmx_port":-1,"host":"kafka1","timestamp":"1700000000000","port":9092,"version":4}',
      ),
    );
    expect(v4).toEqual({
      id: 1,
      endpoints: [{ listener: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'kafka1', port: 9092 }],
      rack: null,
      timestamp: 1700000000000,
    });
    const v5 = brokerZnode.decode(
      2,
      b(
        '{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT","INTERNAL":"SSL"},' +
          '"endpoints":["PLAINTEXT://kafka1:9092","INTERNAL://[::1]:9093"],"rack":"r1","jmx_port":-1,' +
          '"host":"kafka1","timestamp":"1700000000000","port":9092,"version":5}',
      ),
    );
    expect(v5.rack).toBe('r1');
    expect(v5.endpoints[1]).toEqual({
      listener: 'INTERNAL',
      securityProtocol: 'SSL',
      host: '::1',
      port: 9093,
    });
  });

  it('writes a broker registration as Kafka 2.7+ does (version 5, strings where Kafka has strings)', () => {
    const data = brokerZnode.encode({
      id: 3,
      endpoints: [{ listener: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9094 }],
      rack: 'east',
      timestamp: 1234,
    });
    expect(JSON.parse(data.toString())).toEqual({
      features: {},
      listener_security_protocol_map: { PLAINTEXT: 'PLAINTEXT' },
      endpoints: ['PLAINTEXT://127.0.0.1:9094'],
      jmx_port: -1,
      port: 9094,
      host: '127.0.0.1',
      version: 5,
      timestamp: '1234',
      rack: 'east',
    });
    expect(brokerZnode.decode(3, data).endpoints[0]!.port).toBe(9094);
  });

  it('round-trips the cluster id, the controller, its epoch (plain text) and a partition state', () => {
    expect(clusterIdZnode.encode('9x3lJv8VT_G1bQhnzS2a7A').toString()).toBe(
      '{"version":"1","id":"9x3lJv8VT_G1bQhnzS2a7A"}',
    );
    expect(controllerZnode.decode(b('{"version":1,"brokerid":1,"timestamp":"1700000000000"}'))).toEqual({
      brokerId: 1,
      timestamp: 1700000000000,
    });
    // Kafka 3.4+ adds kraftControllerEpoch; still readable.
    expect(
      controllerZnode.decode(b('{"version":2,"brokerid":4,"timestamp":"1","kraftControllerEpoch":-1}'))
        .brokerId,
    ).toBe(4);
    expect(controllerEpochZnode.encode(7).toString()).toBe('7');
    expect(controllerEpochZnode.decode(b('12'))).toBe(12);
    const state = { leader: 2, leaderEpoch: 5, isr: [2, 1, 3], controllerEpoch: 4 };
    expect(JSON.parse(partitionStateZnode.encode(state).toString())).toEqual({
      controller_epoch: 4,
      leader: 2,
      version: 1,
      leader_epoch: 5,
      isr: [2, 1, 3],
    });
    expect(partitionStateZnode.decode('t', 0, partitionStateZnode.encode(state))).toEqual(state);
  });

  it('reads topic assignments of every version and writes version 3 with the topic id', () => {
    const v1 = topicZnode.decode('old', b('{"version":1,"partitions":{"1":[2,3],"0":[1,2]}}'));
    expect([...v1.partitions]).toEqual([
      [0, [1, 2]],
      [1, [2, 3]],
    ]);
    expect(v1.topicId).toBeNull();
    const v3 = topicZnode.decode(
      'new',
      b(
        '{"partitions":{"0":[1,2,3],"1":[2,3,1]},"topic_id":"Ymw0p3SbRP2eTcSjbm4h5A",' +
          '"adding_replicas":{"1":[1]},"removing_replicas":{},"version":3}',
      ),
    );
    expect(v3.topicId).toBe('Ymw0p3SbRP2eTcSjbm4h5A');
    expect(v3.addingReplicas.get(1)).toEqual([1]);
    expect(JSON.parse(topicZnode.encode(v3).toString())).toEqual({
      version: 3,
      topic_id: 'Ymw0p3SbRP2eTcSjbm4h5A',
      partitions: { '0': [1, 2, 3], '1': [2, 3, 1] },
      adding_replicas: { '1': [1] },
      removing_replicas: {},
    });
  });

  it('configs, config changes, ISR change notifications and producer id blocks', () => {
    expect(brokerConfigPath('default')).toBe('/config/brokers/<default>');
    expect(brokerConfigPath(2)).toBe('/config/brokers/2');
    const config = entityConfigZnode.encode({ 'retention.ms': '1000' });
    expect(config.toString()).toBe('{"version":1,"config":{"retention.ms":"1000"}}');
    expect(entityConfigZnode.decode('/config/topics/t', config)).toEqual({ 'retention.ms': '1000' });
    expect(configChangeZnode.encode('topics/t').toString()).toBe('{"version":2,"entity_path":"topics/t"}');
    const isr = [{ topic: 'foo', partition: 0 }];
    expect(
      isrChangeZnode.decode('/isr_change_notification/isr_change_0000000000', isrChangeZnode.encode(isr)),
    ).toEqual(isr);
    const block = producerIdBlockZnode.decode(
      b('{"version":1,"broker":1,"block_start":"1000","block_end":"1999"}'),
    );
    expect(block).toEqual({ broker: 1, blockStart: 1000n, blockEnd: 1999n });
    expect(producerIdBlockZnode.encode(block).toString()).toBe(
      '{"version":1,"broker":1,"block_start":"1000","block_end":"1999"}',
    );
  });

  it('refuses malformed znodes with an error naming the node', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => clusterIdZnode.decode(b('not json')), /\/cluster\/id is malformed: not JSON/],
      [() => controllerEpochZnode.decode(b('-1')), /\/controller_epoch is malformed/],
      [() => controllerEpochZnode.decode(b('')), /\/controller_epoch is malformed/],
      [
        () => brokerZnode.decode(5, b('{"endpoints":["nohost"]}')),
        /\/brokers\/ids\/5 is malformed: endpoint "nohost"/,
      ],
      [
        () => topicZnode.decode('t', b('{"partitions":{}}')),
        /\/brokers\/topics\/t is malformed: no partitions/,
      ],
      [() => topicZnode.decode('t', b('{"partitions":{"x":[1]}}')), /partition "x"/],
      [
        () =>
          partitionStateZnode.decode(
            't',
            1,
            b('{"leader":1,"leader_epoch":0,"isr":"1","controller_epoch":1}'),
          ),
        /isr is not a list/,
      ],
      [
        () => entityConfigZnode.decode('/config/topics/t', b('{"config":{"a":1}}')),
        /config "a" is not a string/,
      ],
      [() => producerIdBlockZnode.decode(b('{"broker":1,"block_start":"x","block_end":"1"}')), /block_start/],
    ];
    for (const [fn, message] of bad) {
      expect(fn).toThrow(ZnodeFormatError);
      expect(fn).toThrow(message);
    }
    expect(partitionStatePath('t', 3)).toBe('/brokers/topics/t/partitions/3/state');
  });
});
