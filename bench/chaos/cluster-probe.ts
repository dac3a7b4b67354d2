/**
 * The chaos run's own requests to the brokers (Metadata for the leader sampler and the settle
 * checks, the reassignment fault's requests to the controller): one connection per broker, through
 * its listener proxy, with client id `kiln-chaos-observer` (a client: never cut). Every request has
 * a deadline, because a SIGSTOPped broker accepts connections and answers nothing; a connection
 * that failed or missed a deadline is dropped and opened again next time.
 */
import { Connection } from '../../tools/client/kafka-client.js';
import { MetadataApi } from '../../server/protocol/apis/metadata.js';

export interface PartitionView {
  topic: string;
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  errorCode: number;
}

/** One broker's answer to Metadata for the run's topics. */
export interface MetadataView {
  /** The broker that answered. */
  from: number;
  brokers: number[];
  controllerId: number;
  partitions: PartitionView[];
  /** Topics answered with an error (name → code). */
  topicErrors: Map<string, number>;
}

export class TimeoutError extends Error {}

export class ClusterProbe {
  private readonly connections = new Map<number, Promise<Connection>>();

  constructor(
    /** The address (host:port) of broker `id`. */
    private readonly addressOf: (id: number) => string | undefined,
    private readonly clientId = 'kiln-chaos-observer',
  ) {}

  /** Runs `fn` on a connection to broker `id`, failing after `timeoutMs` (and dropping the connection). */
  async withConnection<T>(id: number, timeoutMs: number, fn: (conn: Connection) => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TimeoutError(`broker ${id} did not answer in ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.connection(id, timeoutMs).then(fn), deadline]);
    } catch (err) {
      this.drop(id);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Metadata of `topics` as broker `id` sees them. */
  metadata(id: number, topics: readonly string[], timeoutMs = 2000): Promise<MetadataView> {
    return this.withConnection(id, timeoutMs, async (conn) => {
      const answer = await conn.request(MetadataApi, {
        topics: topics.map((name) => ({ name })),
        allowAutoTopicCreation: false,
      });
      const topicErrors = new Map<string, number>();
      const partitions: PartitionView[] = [];
      for (const t of answer.topics) {
        const topic = t.name ?? '';
        if (t.errorCode !== 0) topicErrors.set(topic, t.errorCode);
        for (const p of t.partitions) {
          partitions.push({
            topic,
            partition: p.partitionIndex,
            leader: p.leaderId,
            replicas: [...p.replicaNodes],
            isr: [...p.isrNodes],
            errorCode: p.errorCode,
          });
        }
      }
      partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      return {
        from: id,
        brokers: answer.brokers.map((b) => b.nodeId).sort((a, b) => a - b),
        controllerId: answer.controllerId,
        partitions,
        topicErrors,
      };
    });
  }

  close(): void {
    for (const id of [...this.connections.keys()]) this.drop(id);
  }

  private connection(id: number, timeoutMs: number): Promise<Connection> {
    let conn = this.connections.get(id);
    if (!conn) {
      const address = this.addressOf(id);
      if (!address) return Promise.reject(new Error(`no broker ${id}`));
      const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.split(':').pop())];
      const opening = Connection.open(host, port, this.clientId, timeoutMs);
      opening.catch(() => {
        if (this.connections.get(id) === opening) this.connections.delete(id);
      });
      this.connections.set(id, opening);
      conn = opening;
    }
    return conn.then((c) => {
      if (c.failed) {
        this.connections.delete(id);
        return this.connection(id, timeoutMs);
      }
      return c;
    });
  }

  private drop(id: number): void {
    const conn = this.connections.get(id);
    this.connections.delete(id);
    conn?.then((c) => c.close()).catch(() => {});
  }
}
