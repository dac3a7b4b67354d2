/**
 * The churn benchmark's load: one kafkajs idempotent producer (acks=all) writing a small batch to
 * every partition of the topic every tick, and remembering every offset the broker acknowledged,
 * so the end of the run can say which acknowledged records no member read.
 */
import { Kafka, logLevel, type Producer } from 'kafkajs';

export interface LoadOptions {
  bootstrap: string;
  topic: string;
  partitions: number;
  /** Records per partition per tick. */
  perPartition: number;
  tickMs: number;
}

export class Load {
  /** Acknowledged offsets, per partition, as [first, count] runs. */
  readonly acked: [number, number][][];
  ackedCount = 0;
  failedSends = 0;
  private producing = false;
  private loop: Promise<void> = Promise.resolve();
  private constructor(
    private readonly producer: Producer,
    private readonly options: LoadOptions,
  ) {
    this.acked = Array.from({ length: options.partitions }, () => []);
  }

  static async start(options: LoadOptions): Promise<Load> {
    const kafka = new Kafka({
      clientId: 'churn-load',
      brokers: [options.bootstrap],
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const load = new Load(producer, options);
    load.producing = true;
    load.loop = load.run();
    return load;
  }

  private async run(): Promise<void> {
    const { topic, partitions, perPartition, tickMs } = this.options;
    let n = 0;
    while (this.producing) {
      const started = Date.now();
      const messages = [];
      for (let p = 0; p < partitions; p++)
        for (let i = 0; i < perPartition; i++) messages.push({ partition: p, value: `${n++}` });
      try {
        const answers = await this.producer.send({ topic, acks: -1, messages });
        for (const a of answers) {
          this.acked[a.partition]!.push([Number(a.baseOffset), perPartition]);
          this.ackedCount += perPartition;
        }
      } catch {
        this.failedSends++;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, tickMs - (Date.now() - started))));
    }
  }

  async stop(): Promise<void> {
    this.producing = false;
    await this.loop;
    await this.producer.disconnect();
  }
}
