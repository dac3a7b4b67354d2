/**
 * `npm run bench:protocol` — what the protocol codec costs per message on the hot paths, the
 * compiled codec (server/protocol/codec.ts) measured beside the schema-walking interpreter it
 * replaced (kept as a test oracle in test/helpers/codec-interpreter.ts), interleaved in one run so
 * a noisy machine hits both alike:
 *
 * - `produce_v7_request_decode`: a Produce v7 request, one topic, one partition, one 16 KiB batch
 * - `produce_v7_response_encode`: its answer, into a size-prefixed writer, down to the buffer list
 * - `fetch_v11_request_decode`: a consumer's Fetch v11 request, one topic, one partition
 * - `metadata_v9_response_encode`: Metadata v9, three brokers, one topic of 50 partitions
 *
 * Prints one JSON object per line: {"name":…,"ns_per_op":…,"interpreted_ns_per_op":…,"speedup":…},
 * then {"name":"compile_all_apis","ms":…} (every version of every API, request and response).
 */
import { Bench } from 'tinybench';
import { compileApi, decodeMessage, encodeMessage, type Message } from '../server/protocol/codec.js';
import { API_SCHEMAS } from '../server/protocol/apis/index.js';
import { FetchApi } from '../server/protocol/apis/fetch.js';
import { MetadataApi } from '../server/protocol/apis/metadata.js';
import { ProduceApi } from '../server/protocol/apis/produce.js';
import { ProtocolReader } from '../server/protocol/reader.js';
import type { FieldDef } from '../server/protocol/schema.js';
import { ProtocolWriter } from '../server/protocol/writer.js';
import { interpretDecode, interpretEncode } from '../test/helpers/codec-interpreter.js';

const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 3000);
const PASSES = 6;
/** Operations per timed call: tinybench's own cost per call would otherwise swamp a 200 ns op. */
const OPS_PER_CALL = 50;

function emit(result: Record<string, string | number>): void {
  process.stdout.write(JSON.stringify(result) + '\n');
}

function round(value: number, digits = 0): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

const compileStart = performance.now();
for (const api of API_SCHEMAS) compileApi(api);
const compileMs = performance.now() - compileStart;

function encoded(fields: readonly FieldDef[], version: number, message: Message): Buffer {
  const writer = new ProtocolWriter();
  encodeMessage(fields, version, false, message, writer);
  return writer.toBuffer();
}

const produceRequest = encoded(ProduceApi.request, 7, {
  transactionalId: null,
  acks: -1,
  timeoutMs: 30_000,
  topicData: [{ name: 'bench-topic', partitionData: [{ index: 0, records: Buffer.alloc(16 * 1024, 7) }] }],
});

const produceResponse: Message = {
  responses: [
    {
      name: 'bench-topic',
      partitionResponses: [
        { index: 0, errorCode: 0, baseOffset: 123_456_789, logAppendTimeMs: -1, logStartOffset: 0 },
      ],
    },
  ],
  throttleTimeMs: 0,
};

const fetchRequest = encoded(FetchApi.request, 11, {
  replicaId: -1,
  maxWaitMs: 500,
  minBytes: 1,
  maxBytes: 52_428_800,
  isolationLevel: 0,
  sessionId: 0,
  sessionEpoch: -1,
  topics: [
    {
      topic: 'bench-topic',
      partitions: [
        {
          partition: 0,
          currentLeaderEpoch: 3,
          fetchOffset: 987_654,
          logStartOffset: -1,
          partitionMaxBytes: 1_048_576,
        },
      ],
    },
  ],
  forgottenTopicsData: [],
  rackId: '',
});

const metadataResponse: Message = {
  throttleTimeMs: 0,
  brokers: [1, 2, 3].map((nodeId) => ({ nodeId, host: `broker-${nodeId}.example`, port: 9092, rack: null })),
  clusterId: 'kiln-bench-cluster',
  controllerId: 1,
  topics: [
    {
      errorCode: 0,
      name: 'bench-topic',
      isInternal: false,
      partitions: Array.from({ length: 50 }, (_, i) => ({
        errorCode: 0,
        partitionIndex: i,
        leaderId: (i % 3) + 1,
        leaderEpoch: 7,
        replicaNodes: [1, 2, 3],
        isrNodes: [1, 2, 3],
        offlineReplicas: [],
      })),
      topicAuthorizedOperations: -2147483648,
    },
  ],
};

type Decode = typeof decodeMessage;
type Encode = typeof encodeMessage;

let sink = 0;

function cases(decode: Decode, encode: Encode): Record<string, () => void> {
  return {
    produce_v7_request_decode: () => {
      const m = decode(ProduceApi.request, 7, false, new ProtocolReader(produceRequest));
      sink += (m.topicData as unknown[]).length;
    },
    produce_v7_response_encode: () => {
      const w = new ProtocolWriter({ sizePrefix: true });
      encode(ProduceApi.response, 7, false, produceResponse, w);
      sink += w.toBuffers().length;
    },
    fetch_v11_request_decode: () => {
      const m = decode(FetchApi.request, 11, false, new ProtocolReader(fetchRequest));
      sink += (m.topics as unknown[]).length;
    },
    metadata_v9_response_encode: () => {
      const w = new ProtocolWriter({ sizePrefix: true });
      encode(MetadataApi.response, 9, true, metadataResponse, w);
      sink += w.toBuffers().length;
    },
  };
}

const compiled = cases(decodeMessage, encodeMessage);
const interpreted = cases(interpretDecode, interpretEncode);

function repeated(op: () => void): () => void {
  return () => {
    for (let i = 0; i < OPS_PER_CALL; i++) op();
  };
}

/** Mean ns per operation of each task over several short passes, in alternating order. */
async function interleaved(tasks: Record<string, () => void>): Promise<Record<string, number>> {
  const totals: Record<string, { ns: number; ops: number }> = {};
  const names = Object.keys(tasks);
  for (let pass = 0; pass < PASSES; pass++) {
    const bench = new Bench({ time: TIME_MS / PASSES, warmupTime: 100 });
    for (const name of pass % 2 === 0 ? names : [...names].reverse()) bench.add(name, repeated(tasks[name]!));
    await bench.run();
    for (const name of names) {
      const result = bench.getTask(name)?.result as
        { latency?: { mean?: number; samplesCount?: number }; error?: unknown } | undefined;
      if (result?.error) throw result.error;
      const mean = result?.latency?.mean;
      if (!mean) throw new Error(`benchmark task ${name} produced no result`);
      const samples = result.latency?.samplesCount ?? 1;
      const total = (totals[name] ??= { ns: 0, ops: 0 });
      total.ns += (mean * 1e6 * samples) / OPS_PER_CALL;
      total.ops += samples;
    }
  }
  return Object.fromEntries(names.map((name) => [name, totals[name]!.ns / totals[name]!.ops]));
}

for (const name of Object.keys(compiled)) {
  const result = await interleaved({ compiled: compiled[name]!, interpreted: interpreted[name]! });
  emit({
    name,
    ns_per_op: round(result.compiled!),
    interpreted_ns_per_op: round(result.interpreted!),
    speedup: round(result.interpreted! / result.compiled!, 2),
  });
}
emit({ name: 'compile_all_apis', ms: round(compileMs, 1) });
if (sink === 0) throw new Error('nothing measured');
