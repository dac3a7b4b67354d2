/**
 * Who opened a connection to a broker, read from the first Kafka request on it, so the link proxy
 * (link-proxy.ts) can part two brokers without touching clients.
 *
 * A request frame starts: int32 size, then the request header: int16 api_key, int16 api_version,
 * int32 correlation_id, then client_id as a nullable int16-length string (length -1 = null). Header
 * versions 1 and 2 both carry client_id there, non-compact even in flexible versions; only header
 * v0 (ControlledShutdown v0) has none, and no Kiln broker opens a connection with it.
 *
 * Kiln's brokers name themselves in their client ids: `kiln-controller-<id>` (the controller's
 * channels), `kiln-replica-fetcher-<id>` (a follower's fetches) and `kiln-broker-<id>` (a broker
 * asking the controller for a controlled shutdown).
 */

/** Bytes before client_id's characters: size, api key, version, correlation id, string length. */
const HEADER_BEFORE_CLIENT_ID = 4 + 2 + 2 + 4 + 2;
const BROKER_CLIENT_ID = /^kiln-(?:controller|replica-fetcher|broker)-(\d+)$/;

/**
 * The client id of the request that `head` (a connection's first bytes) starts with: a string, null
 * if the request carries none, or undefined while too few bytes have come.
 */
export function clientIdOf(head: Buffer): string | null | undefined {
  if (head.length < HEADER_BEFORE_CLIENT_ID) return undefined;
  const length = head.readInt16BE(HEADER_BEFORE_CLIENT_ID - 2);
  if (length < 0) return null;
  if (head.length < HEADER_BEFORE_CLIENT_ID + length) return undefined;
  return head.toString('utf8', HEADER_BEFORE_CLIENT_ID, HEADER_BEFORE_CLIENT_ID + length);
}

/** The broker id a Kiln broker's client id names, or null for any other client. */
export function brokerOfClientId(clientId: string | null): number | null {
  const match = clientId === null ? null : BROKER_CLIENT_ID.exec(clientId);
  return match ? Number(match[1]) : null;
}

/** The link-proxy peer name of a connection: `broker-<id>` for a Kiln broker, else `client`. */
export function peerOfHead(head: Buffer): string | undefined {
  const clientId = clientIdOf(head);
  if (clientId === undefined) return undefined;
  const broker = brokerOfClientId(clientId);
  return broker === null ? 'client' : brokerPeer(broker);
}

export function brokerPeer(brokerId: number): string {
  return `broker-${brokerId}`;
}
