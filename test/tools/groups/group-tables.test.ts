// `kiln groups --describe --members`: the GROUP-INSTANCE-ID column of kafka-consumer-groups, shown
// when a member is static (KIP-345) and left out when none is.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { printMembers } from '../../../tools/groups/group-tables.js';
import type { GroupMember } from '../../../tools/groups/group-view.js';

const member = (consumerId: string, groupInstanceId: string | null): GroupMember => ({
  consumerId,
  groupInstanceId,
  clientId: 'app',
  host: '/127.0.0.1',
  assignment: new Map([['orders', [0, 1]]]),
});
const view = (members: GroupMember[]) => ({
  group: 'g',
  state: 'Stable',
  protocolType: 'consumer',
  protocol: 'range',
  coordinator: { id: 0, address: '127.0.0.1:9092' },
  members,
});

function printed(members: GroupMember[], verbose = false): string[][] {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  printMembers(view(members), verbose);
  const text = write.mock.calls.map((c) => String(c[0])).join('');
  return text
    .trimEnd()
    .split('\n')
    .map((line) => line.trim().split(/\s+/));
}

afterEach(() => vi.restoreAllMocks());

describe('the members table', () => {
  it('has no GROUP-INSTANCE-ID column when every member is dynamic', () => {
    expect(printed([member('m-1', null)])).toEqual([
      ['GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS'],
      ['g', 'm-1', '/127.0.0.1', 'app', '2'],
    ]);
  });

  it('shows each static member’s instance id (did not show it at all)', () => {
    const rows = printed([member('m-1', 'app-a'), member('m-2', 'app-b')], true);
    expect(rows[0]).toEqual([
      'GROUP',
      'CONSUMER-ID',
      'GROUP-INSTANCE-ID',
      'HOST',
      'CLIENT-ID',
      '#PARTITIONS',
      'ASSIGNMENT',
    ]);
    expect(rows.slice(1)).toEqual([
      ['g', 'm-1', 'app-a', '/127.0.0.1', 'app', '2', 'orders(0,1)'],
      ['g', 'm-2', 'app-b', '/127.0.0.1', 'app', '2', 'orders(0,1)'],
    ]);
  });
});
