import { describe, expect, it } from 'vitest';
import { readiness, type ClusterReadiness } from '../../../server/admin/readiness.js';

const up = { dataLoaded: () => true, listenerOpen: () => true };

function cluster(
  partitions: [string, { leader: number; isr: number[] }][],
  extra: Partial<ClusterReadiness> = {},
) {
  return (): ClusterReadiness => ({
    brokerId: 1,
    registered: true,
    connected: true,
    described: true,
    partitions,
    ...extra,
  });
}

describe('readiness', () => {
  it('is ready alone once data is loaded and the listener open', () => {
    expect(readiness({ ...up, cluster: () => undefined })).toEqual({ ready: true, reasons: [] });
  });

  it('says what is missing', () => {
    expect(
      readiness({ dataLoaded: () => false, listenerOpen: () => false, cluster: () => undefined }),
    ).toEqual({
      ready: false,
      reasons: ['data not loaded yet', 'Kafka listener not open'],
    });
  });

  it('in a cluster needs the registration, the session and the ISR of every followed partition', () => {
    const partitions: [string, { leader: number; isr: number[] }][] = [
      ['led-0', { leader: 1, isr: [1] }],
      ['followed-0', { leader: 2, isr: [2, 1] }],
      ['behind-0', { leader: 2, isr: [2] }],
    ];
    expect(readiness({ ...up, cluster: cluster(partitions.slice(0, 2)) }).ready).toBe(true);
    expect(
      readiness({ ...up, cluster: cluster(partitions, { registered: false, connected: false }) }),
    ).toEqual({
      ready: false,
      reasons: [
        'not connected to ZooKeeper',
        'not registered in ZooKeeper',
        'not in the ISR of 1 followed partition(s): behind-0',
      ],
    });
  });

  it('waits for the controller to describe the cluster once registered', () => {
    expect(readiness({ ...up, cluster: cluster([], { described: false }) }).reasons).toEqual([
      'not yet told the cluster by the controller',
    ]);
  });

  it('names at most 20 lagging partitions', () => {
    const behind = Array.from({ length: 25 }, (_, i): [string, { leader: number; isr: number[] }] => [
      `t-${i}`,
      { leader: 2, isr: [2] },
    ]);
    const { reasons } = readiness({ ...up, cluster: cluster(behind) });
    expect(reasons[0]).toMatch(/^not in the ISR of 25 followed partition\(s\): t-0, .*t-19 and 5 more$/);
  });
});
