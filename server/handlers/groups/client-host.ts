/**
 * The client host Kafka reports for a group member (DescribeGroups, the stored group metadata):
 * the peer address as Java's InetAddress prints it, "/127.0.0.1", without the port.
 */
import type { RequestContext } from '../registry.js';

export function clientHostOf(context: RequestContext): string {
  const remote = context.connection?.remote;
  if (!remote) return '';
  const colon = remote.lastIndexOf(':');
  return `/${colon > 0 ? remote.slice(0, colon) : remote}`;
}
