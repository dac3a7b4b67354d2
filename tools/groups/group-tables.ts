/**
 * The tables of `kiln groups --describe`, in kafka-consumer-groups' column layout: the offsets view
 * (one row per partition, '-' where a value is unknown or nobody owns it), the members view
 * (GROUP-INSTANCE-ID when a member is static, #PARTITIONS, and with --verbose the assignment) and the state view (coordinator, assignor).
 */
import { printTable } from '../client/cli.js';
import type { GroupView } from './group-view.js';

const dash = (value: string | number | null): string | number => (value === null ? '-' : value);

export function printOffsets(view: GroupView): void {
  printTable(
    [
      'GROUP',
      'TOPIC',
      'PARTITION',
      'CURRENT-OFFSET',
      'LOG-END-OFFSET',
      'LAG',
      'CONSUMER-ID',
      'HOST',
      'CLIENT-ID',
    ],
    view.partitions.map((p) => [
      view.group,
      dash(p.topic),
      dash(p.partition),
      dash(p.committed),
      dash(p.logEnd),
      dash(p.lag),
      dash(p.consumerId),
      dash(p.host),
      dash(p.clientId),
    ]),
  );
}

/** With a GROUP-INSTANCE-ID column when any member is static (KIP-345), as kafka-consumer-groups. */
export function printMembers(view: Omit<GroupView, 'partitions'>, verbose: boolean): void {
  const anyStatic = view.members.some((m) => m.groupInstanceId);
  const header = [
    'GROUP',
    'CONSUMER-ID',
    ...(anyStatic ? ['GROUP-INSTANCE-ID'] : []),
    'HOST',
    'CLIENT-ID',
    '#PARTITIONS',
  ];
  const rows = view.members.map((m) => {
    const count = [...m.assignment.values()].reduce((n, ps) => n + ps.length, 0);
    const instance = anyStatic ? [m.groupInstanceId ?? ''] : [];
    const row: (string | number)[] = [view.group, m.consumerId, ...instance, m.host, m.clientId, count];
    if (verbose) row.push([...m.assignment].map(([t, ps]) => `${t}(${ps.join(',')})`).join(', ') || '-');
    return row;
  });
  printTable(verbose ? [...header, 'ASSIGNMENT'] : header, rows);
}

export function printState(view: Omit<GroupView, 'partitions'>): void {
  printTable(
    ['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'],
    [
      [
        view.group,
        `${view.coordinator.address} (${view.coordinator.id})`,
        view.protocol || '-',
        view.state,
        view.members.length,
      ],
    ],
  );
}

export function jsonOf(
  view: Omit<GroupView, 'partitions'> & { partitions?: GroupView['partitions'] },
): unknown {
  return {
    ...view,
    members: view.members.map((m) => ({ ...m, assignment: Object.fromEntries(m.assignment) })),
  };
}
