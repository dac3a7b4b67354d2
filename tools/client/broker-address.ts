/** Broker addresses as Kafka's bootstrap.servers writes them: host:port, comma-separated. */

/** A malformed broker address; the command line turns it into a usage error (exit 2). */
export class BadAddressError extends Error {}

/**
 * One broker address, `host:port` (`[v6]:port` for an IPv6 literal; as in Kafka's clients an
 * unbracketed `::1:9092` is host ::1, port 9092: the port follows the last colon); the port
 * 1-65535. Throws BadAddressError naming what is wrong.
 */
export function parseHostPort(address: string): { host: string; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]+)|([0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)):(\d{1,5})$/.exec(
    address,
  );
  const port = Number(match?.[4]);
  if (!match || port < 1 || port > 65535) {
    const why = !address.includes(':')
      ? 'no port'
      : match
        ? 'port must be 1-65535'
        : /^\[?\]?:/.test(address)
          ? 'no host'
          : 'want host:port';
    throw new BadAddressError(`bad broker address '${address}' (${why}; want host:port)`);
  }
  return { host: match[1] ?? match[2] ?? match[3]!, port };
}

/** A comma-separated bootstrap list (Kafka's bootstrap.servers): every address must be well formed. */
export function parseBootstrap(list: string): { host: string; port: number }[] {
  const addresses = list.split(',').map((a) => a.trim());
  if (addresses.every((a) => a === '')) throw new BadAddressError('no broker address given (want host:port)');
  return addresses.filter((a) => a !== '').map(parseHostPort);
}
