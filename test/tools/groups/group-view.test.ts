// `kiln groups --describe` lists every partition of the topics a group reads, committed or not, as
// kafka-consumer-groups does (a real broker on 127.0.0.1, a free port, stopped after the file).
import { describe, expect, it } from 'vitest';
import { KafkaClient } from '../../../tools/client/kafka-client.js';
import { GroupMember } from '../../../tools/perf/group-member.js';
import { useCommandBroker } from '../commands/command-broker.js';
import { kiln } from '../run-command.js';

const cmd = useCommandBroker();

type Row = {
  topic: string;
  partition: number;
  committed: number | null;
  lag: number | null;
  consumerId: string | null;
};

describe('groups --describe', () => {
  it('shows partitions without commits (added after the assignment) with - for offset and lag', async () => {
    const create = ['--create', '--topic', 'grown', '--partitions', '1'];
    expect((await kiln('topics', ...cmd.bs, ...create)).code).toBe(0);
    const file = cmd.inputFile('grown.txt', ['a', 'b']);
    expect((await kiln('produce', ...cmd.bs, '--topic', 'grown', '--file', file)).code).toBe(0);

    const client = await KafkaClient.connect(cmd.broker.bootstrap, 'group-view-test');
    const member = new GroupMember(client, 'growers', 'grown', () => {});
    try {
      expect(await member.join()).toEqual([0]);
      // Two more partitions: the member subscribes to the topic but was assigned only partition 0.
      const alter = ['--alter', '--topic', 'grown', '--partitions', '3'];
      expect((await kiln('topics', ...cmd.bs, ...alter)).code).toBe(0);

      const json = await kiln('groups', ...cmd.bs, '--describe', '--group', 'growers', '--json');
      expect(json.code).toBe(0);
      const rows = (JSON.parse(json.stdout) as { partitions: Row[] }).partitions;
      expect(rows.map((r) => [r.topic, r.partition, r.committed, r.lag, r.consumerId])).toEqual([
        ['grown', 0, null, null, member.memberId],
        ['grown', 1, null, null, null],
        ['grown', 2, null, null, null],
      ]);

      const table = await kiln('groups', ...cmd.bs, '--describe', '--group', 'growers');
      const lines = table.stdout.split('\n').filter((line) => line.startsWith('growers'));
      expect(lines.map((line) => line.split(/\s+/).slice(0, 6))).toEqual([
        ['growers', 'grown', '0', '-', '2', '-'],
        ['growers', 'grown', '1', '-', '0', '-'],
        ['growers', 'grown', '2', '-', '0', '-'],
      ]);
    } finally {
      await member.leave();
      client.close();
    }
  });
});
