/**
 * `kiln log-dirs --describe`: each broker's log directories and the partition replicas in them,
 * as Kafka's kafka-log-dirs.sh prints them — two lines, then one line of JSON:
 *
 *   Querying brokers for log directories information
 *   Received log directory information from brokers 1,2
 *   {"version":1,"brokers":[{"broker":1,"logDirs":[{"logDir":"/d1","error":null,
 *     "partitions":[{"partition":"t-0","size":123,"offsetLag":0,"isFuture":false}]}]}]}
 *
 * (the JSON is one line). `size` is the replica's bytes on disk; a replica being moved between
 * directories (AlterReplicaLogDirs) appears a second time, in the directory it goes to, with
 * `isFuture` true and `offsetLag` the offsets its copy still lacks. `error` is null, or the Java
 * exception Kafka's tool would name for the directory's error code.
 */
import { parseArgs } from 'node:util';
import type { Command } from '../kiln.js';
import { UsageError } from '../kiln.js';
import { checkBootstrap, withClient } from '../client/cli.js';
import { checkError, errorName, type KafkaClient } from '../client/kafka-client.js';
import { DescribeLogDirsApi } from '../../server/protocol/apis/describe-log-dirs.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';

const USAGE = `usage: kiln log-dirs --describe --bootstrap-server HOST:PORT [--broker-list 1,2] [--topic-list a,b]

  --describe       describe the brokers' log directories (the only action, as in kafka-log-dirs)
  --broker-list    the ids of the brokers to ask (default: every broker in the cluster)
  --topic-list     only the partitions of these topics (default: all)`;

/** What Kafka's tool prints for a directory's error: the exception class of the code. */
const EXCEPTION_OF = new Map<number, string>([
  [ErrorCode.KAFKA_STORAGE_ERROR, 'org.apache.kafka.common.errors.KafkaStorageException'],
  [ErrorCode.LOG_DIR_NOT_FOUND, 'org.apache.kafka.common.errors.LogDirNotFoundException'],
]);

interface DescribedDir {
  logDir: string;
  error: string | null;
  partitions: { partition: string; size: number; offsetLag: number; isFuture: boolean }[];
}

export const command: Command = {
  name: 'log-dirs',
  summary: "describe the brokers' log directories and the replicas in them",
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        'bootstrap-server': { type: 'string' },
        describe: { type: 'boolean' },
        'broker-list': { type: 'string' },
        'topic-list': { type: 'string' },
      },
    });
    if (!values.describe) throw new UsageError('--describe is required (the only action)');
    const bootstrap = values['bootstrap-server'];
    if (bootstrap === undefined) throw new UsageError('--bootstrap-server host:port is required');
    checkBootstrap(bootstrap);
    const brokerIds =
      values['broker-list'] === undefined ? undefined : parseBrokerList(values['broker-list']);
    const topics = values['topic-list'] === undefined ? undefined : parseTopicList(values['topic-list']);
    return withClient('log-dirs', bootstrap, (client) => describe(client, brokerIds, topics));
  },
};

function parseBrokerList(text: string): number[] {
  const ids = text.split(',').map((item) => item.trim());
  const bad = ids.find((id) => !/^\d+$/.test(id));
  if (bad !== undefined)
    throw new UsageError(`--broker-list takes broker ids separated by commas, got '${bad}'`);
  const numbers = ids.map(Number);
  const twice = numbers.find((id, i) => numbers.indexOf(id) !== i);
  if (twice !== undefined) throw new UsageError(`--broker-list names broker ${twice} twice`);
  return numbers;
}

function parseTopicList(text: string): Set<string> {
  const names = text.split(',').map((item) => item.trim());
  if (names.some((name) => name === ''))
    throw new UsageError(`--topic-list has an empty topic name: '${text}'`);
  return new Set(names);
}

async function describe(
  client: KafkaClient,
  brokerIds: number[] | undefined,
  topics: Set<string> | undefined,
): Promise<number> {
  const meta = await client.metadata([]);
  const known = [...meta.brokers.keys()].sort((a, b) => a - b);
  const asked = brokerIds ?? known;
  const missing = asked.filter((id) => !meta.brokers.has(id));
  if (missing.length > 0) {
    process.stderr.write(
      `kiln log-dirs: no broker ${missing.join(', ')} in the cluster (its brokers: ${known.join(', ')})\n`,
    );
    return 1;
  }
  process.stdout.write('Querying brokers for log directories information\n');
  const brokers: { broker: number; logDirs: DescribedDir[] }[] = [];
  for (const broker of asked) {
    const conn = await client.node(broker);
    const response = await conn.request(DescribeLogDirsApi, { topics: null });
    checkError(response.errorCode, `DescribeLogDirs on broker ${broker}`);
    const logDirs = response.results.map((dir) => ({
      logDir: dir.logDir,
      error:
        dir.errorCode === ErrorCode.NONE
          ? null
          : (EXCEPTION_OF.get(dir.errorCode) ?? errorName(dir.errorCode)),
      partitions: dir.topics
        .filter((topic) => topics === undefined || topics.has(topic.name))
        .flatMap((topic) =>
          topic.partitions.map((p) => ({
            partition: `${topic.name}-${p.partitionIndex}`,
            size: p.partitionSize,
            offsetLag: p.offsetLag,
            isFuture: p.isFutureKey,
          })),
        ),
    }));
    brokers.push({ broker, logDirs });
  }
  process.stdout.write(`Received log directory information from brokers ${asked.join(',')}\n`);
  process.stdout.write(`${JSON.stringify({ version: 1, brokers })}\n`);
  return 0;
}
