/**
 * A request or response that does not follow the protocol: truncated, a length that does not fit,
 * a version the schema does not know. The network layer answers it by closing the connection, as
 * Kafka does for a request it cannot parse.
 */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}
