/**
 * A network cut between two brokers, made on their listener proxies (link-proxy.ts): the proxy in
 * front of b drops and refuses connections that broker a opens (its controller channels, replica
 * fetchers, controlled-shutdown requests: kafka-client-id.ts), and the proxy in front of a does the
 * same to b's. Clients, and the other brokers, still reach both.
 */
import { brokerPeer } from './kafka-client-id.js';
import type { LinkProxy } from './link-proxy.js';

export function cutBrokerLink(listenerOf: (id: number) => LinkProxy, a: number, b: number): void {
  listenerOf(b).block(brokerPeer(a));
  listenerOf(a).block(brokerPeer(b));
}

export function healBrokerLink(listenerOf: (id: number) => LinkProxy, a: number, b: number): void {
  listenerOf(b).unblock(brokerPeer(a));
  listenerOf(a).unblock(brokerPeer(b));
}
