/**
 * `kiln leader-election`: asks the controller to elect leaders (ElectLeaders), as Kafka's
 * kafka-leader-election.sh does: the preferred replica (--election-type PREFERRED) or, for
 * partitions whose in-sync replicas are all gone, any live replica (UNCLEAN, which may lose
 * records), for every partition (--all-topic-partitions), one (--topic T --partition P) or those
 * of a JSON file (--path-to-json-file F):
 *
 *   {"partitions":[{"topic":"orders","partition":0},{"topic":"orders","partition":1}]}
 *
 * It prints the partitions that got a new leader, those that already had the right one
 * (ELECTION_NOT_NEEDED, not an error), and the others with their Kafka error name (exit 1).
 */
import { parseArgs } from 'node:util';
import type { Command } from '../kiln.js';
import { UsageError } from '../kiln.js';
import { checkBootstrap, withClient } from '../client/cli.js';
import { errorName, type KafkaClient } from '../client/kafka-client.js';
import { ElectLeadersApi } from '../../server/protocol/apis/elect-leaders.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';
import {
  InputError,
  arrayAt,
  idAt,
  nameAt,
  objectAt,
  readJsonFile,
  repeated,
} from '../reassign/json-input.js';
import { onController } from '../reassign/kafka-reassign-admin.js';
import { byPartition, partitionName, type PartitionRef } from '../reassign/plan.js';

const USAGE = `usage: kiln leader-election --bootstrap-server HOST:PORT --election-type PREFERRED|UNCLEAN
         (--all-topic-partitions | --topic T --partition P | --path-to-json-file F)

  --election-type          PREFERRED: move leadership back to each partition's preferred (first)
                           replica if it is in sync; UNCLEAN: elect a live replica that is not in
                           sync for a partition without a live in-sync one (may lose records)
  --all-topic-partitions   every partition of every topic
  --topic, --partition     one partition
  --path-to-json-file F    the partitions listed in F: {"partitions":[{"topic":"t","partition":0}]}

Partitions that already have the right leader are reported as such (ELECTION_NOT_NEEDED); any other
error is printed with its Kafka error name and the exit code is 1.`;

const ELECTION_TYPES = { PREFERRED: 0, UNCLEAN: 1 } as const;
type ElectionType = keyof typeof ELECTION_TYPES;

/** How long the controller may take to elect. */
const ELECTION_TIMEOUT_MS = 30_000;

export interface ElectionResult extends PartitionRef {
  errorCode: number;
  errorMessage: string | null;
}

/** Reads the partitions of a --path-to-json-file; each once. */
export function parseElectionPartitions(json: unknown, file: string): PartitionRef[] {
  const top = objectAt(json, file);
  if (top.partitions === undefined) throw new InputError(`${file}: no "partitions" list`);
  const list = arrayAt(top.partitions, `${file}: partitions`).map((entry, i) => {
    const where = `${file}: partitions[${i}]`;
    const fields = objectAt(entry, where);
    return {
      topic: nameAt(fields.topic, `${where}.topic`),
      partition: idAt(fields.partition, `${where}.partition`),
    };
  });
  if (list.length === 0)
    throw new InputError(`${file}: the "partitions" list is empty: no partition to elect a leader for`);
  const twice = repeated(list, partitionName);
  if (twice.length > 0)
    throw new InputError(`${file}: partition ${twice.map(partitionName).join(', ')} listed more than once`);
  return list;
}

/** What the tool prints for the controller's answers, and its exit code. */
export function electionReport(
  type: ElectionType,
  results: readonly ElectionResult[],
): { out: string[]; err: string[]; code: number } {
  const sorted = [...results].sort(byPartition);
  const elected = sorted.filter((r) => r.errorCode === ErrorCode.NONE);
  const notNeeded = sorted.filter((r) => r.errorCode === ErrorCode.ELECTION_NOT_NEEDED);
  const failed = sorted.filter(
    (r) => r.errorCode !== ErrorCode.NONE && r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED,
  );
  const out: string[] = [];
  if (elected.length > 0)
    out.push(
      `Successfully completed leader election (${type}) for partitions ${elected.map(partitionName).join(', ')}`,
    );
  if (notNeeded.length > 0)
    out.push(`Valid replica already elected for partitions ${notNeeded.map(partitionName).join(', ')}`);
  if (sorted.length === 0) out.push('No partition needed a leader election.');
  const err = failed.map(
    (r) =>
      `Error completing leader election (${type}) for partition ${partitionName(r)}: ${errorName(r.errorCode)}` +
      (r.errorMessage ? ` (${r.errorMessage})` : ''),
  );
  if (failed.length > 0) err.push(`${failed.length} replica(s) could not be elected`);
  return { out, err, code: failed.length > 0 ? 1 : 0 };
}

async function elect(
  client: KafkaClient,
  type: ElectionType,
  partitions: PartitionRef[] | null,
): Promise<ElectionResult[]> {
  const topics = new Map<string, number[]>();
  for (const p of partitions ?? []) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition]);
  const response = await onController(client, 'ElectLeaders', (conn) => {
    if (type === 'UNCLEAN' && conn.version(ElectLeadersApi.key) < 1)
      throw new InputError('the controller supports only preferred leader elections (ElectLeaders v0)');
    return conn.request(ElectLeadersApi, {
      electionType: ELECTION_TYPES[type],
      topicPartitions:
        partitions === null ? null : [...topics].map(([topic, list]) => ({ topic, partitions: list })),
      timeoutMs: ELECTION_TIMEOUT_MS,
    });
  });
  return response.replicaElectionResults.flatMap((t) =>
    t.partitionResult.map((p) => ({
      topic: t.topic,
      partition: p.partitionId,
      errorCode: p.errorCode,
      errorMessage: p.errorMessage,
    })),
  );
}

export const command: Command = {
  name: 'leader-election',
  summary: 'elect preferred (or unclean) partition leaders (kafka-leader-election)',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        'bootstrap-server': { type: 'string' },
        'election-type': { type: 'string' },
        'all-topic-partitions': { type: 'boolean' },
        topic: { type: 'string' },
        partition: { type: 'string' },
        'path-to-json-file': { type: 'string' },
      },
    });
    const typeText = values['election-type'];
    if (typeText === undefined) throw new UsageError('--election-type PREFERRED|UNCLEAN is required');
    const type = typeText.toUpperCase();
    if (type !== 'PREFERRED' && type !== 'UNCLEAN')
      throw new UsageError(`--election-type must be PREFERRED or UNCLEAN, got '${typeText}'`);
    const sources = [
      values['all-topic-partitions'] ? '--all-topic-partitions' : undefined,
      values.topic !== undefined ? '--topic' : undefined,
      values['path-to-json-file'] !== undefined ? '--path-to-json-file' : undefined,
    ].filter((s) => s !== undefined);
    if (sources.length !== 1)
      throw new UsageError(
        sources.length === 0
          ? 'name the partitions: --all-topic-partitions, --topic with --partition, or --path-to-json-file'
          : `${sources.join(' and ')} do not go together: give one`,
      );
    if (values.topic !== undefined && values.partition === undefined)
      throw new UsageError('--topic needs --partition');
    if (values.partition !== undefined && values.topic === undefined)
      throw new UsageError('--partition goes with --topic');
    if (values.partition !== undefined && !/^\d+$/.test(values.partition))
      throw new UsageError(`--partition must be a partition index (0, 1, ...), got '${values.partition}'`);
    if (values.topic === '') throw new UsageError('--topic needs a topic name');
    const bootstrap = values['bootstrap-server'];
    if (bootstrap === undefined) throw new UsageError('--bootstrap-server host:port is required');
    checkBootstrap(bootstrap);

    try {
      const file = values['path-to-json-file'];
      const partitions =
        file !== undefined
          ? parseElectionPartitions(readJsonFile(file, 'partition list'), file)
          : values.topic !== undefined
            ? [{ topic: values.topic, partition: Number(values.partition) }]
            : null;
      return await withClient('leader-election', bootstrap, async (client) => {
        const report = electionReport(type, await elect(client, type, partitions));
        for (const line of report.out) process.stdout.write(`${line}\n`);
        for (const line of report.err) process.stderr.write(`${line}\n`);
        return report.code;
      });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      process.stderr.write(`kiln leader-election: ${err.message}\n`);
      return 1;
    }
  },
};
