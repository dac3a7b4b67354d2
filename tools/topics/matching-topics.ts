/**
 * The existing topics a `kiln topics --topic` regular expression names (for every action but
 * --create, as in kafka-topics.sh): none is an error unless --if-exists.
 */
import { KafkaError, type KafkaClient } from '../client/kafka-client.js';
import { ErrorCode } from '../../server/protocol/error-codes.js';

export async function matchingTopics(
  client: KafkaClient,
  pattern: RegExp,
  given: string,
  ifExists: boolean,
  excludeInternal: boolean,
): Promise<string[]> {
  const meta = await client.metadata(null);
  const names = meta.topics
    .filter((t) => pattern.test(t.name) && !(excludeInternal && t.isInternal))
    .map((t) => t.name)
    .sort();
  if (names.length === 0 && !ifExists)
    throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${given}' does not exist as expected`);
  return names;
}
