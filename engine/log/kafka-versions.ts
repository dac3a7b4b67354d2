/**
 * The Kafka version strings `message.format.version` (and its broker synonym) accepts, as Kafka
 * reads them: a release (`2.4`, `0.10.2`) or one of its internal versions (`2.4-IV1`), then
 * anything after a further dot (`2.4.1`). The key is the first two dot-separated parts, three for
 * 0.x releases; a key Kafka never had (`9.9`, `2.4-IV7`) is refused, as Kafka refuses it.
 */

/** Each release and how many internal versions (IV0, IV1, ...) it had; 0: none (0.8, 0.9). */
const RELEASES: readonly (readonly [string, number])[] = [
  ['0.8.0', 0],
  ['0.8.1', 0],
  ['0.8.2', 0],
  ['0.9.0', 0],
  ['0.10.0', 2],
  ['0.10.1', 3],
  ['0.10.2', 1],
  ['0.11.0', 3],
  ['1.0', 1],
  ['1.1', 1],
  ['2.0', 2],
  ['2.1', 3],
  ['2.2', 2],
  ['2.3', 2],
  ['2.4', 2],
  ['2.5', 1],
  ['2.6', 1],
  ['2.7', 3],
  ['2.8', 2],
  ['3.0', 2],
  ['3.1', 1],
  ['3.2', 1],
  ['3.3', 4],
  ['3.4', 1],
  ['3.5', 3],
  ['3.6', 3],
  ['3.7', 5],
  ['3.8', 1],
  ['3.9', 1],
];

/** Every key Kafka knows, releases and internal versions. */
export const KAFKA_VERSION_KEYS: readonly string[] = RELEASES.flatMap(([release, internal]) => [
  release,
  ...Array.from({ length: internal }, (_, i) => `${release}-IV${i}`),
]);

const escape = (text: string): string => text.replace(/[.]/g, '\\.');

/** A known key, then optionally a dot and anything (a patch version). Literal alternatives: no backtracking blow-up. */
export const KAFKA_VERSION_PATTERN = new RegExp(
  `^(?:${[...KAFKA_VERSION_KEYS]
    .sort((a, b) => b.length - a.length)
    .map(escape)
    .join('|')})(?:\\..*)?$`,
);
