/**
 * `kiln reassign`: moves partitions between brokers (and between a broker's log dirs), as Kafka's
 * kafka-reassign-partitions.sh does with --bootstrap-server: --generate proposes a balanced plan,
 * --execute starts it (optionally throttled), --verify follows it and removes the throttle at the
 * end, --cancel stops it, --list shows every move in progress. The work is in tools/reassign/;
 * this file reads the command line and the input files (before connecting: a bad file needs no
 * broker), then runs the action.
 *
 * Exit codes: 2 for bad flags (UsageError); 1 for a bad file, a plan that does not fit the
 * cluster, or a partition the brokers refused, each with a readable message; 0 otherwise.
 */
import { parseArgs } from 'node:util';
import type { Command } from '../kiln.js';
import { UsageError } from '../kiln.js';
import { checkBootstrap, withClient } from '../client/cli.js';
import { cancel, list } from '../reassign/cancel-list.js';
import { execute } from '../reassign/execute.js';
import { generate } from '../reassign/generate.js';
import { InputError } from '../reassign/json-input.js';
import { kafkaReassignAdmin } from '../reassign/kafka-reassign-admin.js';
import { readPlan, readTopicsToMove } from '../reassign/plan.js';
import { consoleOutput } from '../reassign/reassign-admin.js';
import { verify } from '../reassign/verify.js';

const USAGE = `usage: kiln reassign --bootstrap-server HOST:PORT ACTION [options]

ACTION is one of:
  --generate --topics-to-move-json-file F --broker-list 1,2,3 [--disable-rack-aware]
        print the current placement of the topics' partitions and a balanced one on the listed
        brokers (F: {"version":1,"topics":[{"topic":"orders"}]}); changes nothing
  --execute --reassignment-json-file F [--throttle BYTES_PER_SEC] [--timeout MS] [--additional]
        start the moves of plan F ({"version":1,"partitions":[{"topic":"orders","partition":0,
        "replicas":[2,3],"log_dirs":["any","any"]}]}); prints the current placement to save for a
        rollback. --throttle limits the copying on the brokers involved until --verify sees the
        end; --timeout bounds the wait for new replicas to be placed in named log dirs (default
        10000); --additional starts while other moves are in progress (or changes the throttle)
  --verify --reassignment-json-file F [--wait [--timeout MS]] [--preserve-throttles]
        whether each partition of F is completed, still in progress (with how far its new
        replicas have caught up) or failed; when nothing moves any more, removes the throttle.
        --wait asks again every second until the plan is done (exit 1 if a partition failed or
        --timeout passed)
  --cancel --reassignment-json-file F [--preserve-throttles]
        stop the moves of plan F: their partitions go back to the replicas they had
  --list
        every partition move in progress, with the replicas being added and removed

Each partition's result is printed with its Kafka error name; a refused partition, a bad file or a
plan naming unknown topics, partitions or brokers exits 1.`;

const ACTIONS = ['generate', 'execute', 'verify', 'cancel', 'list'] as const;
type Action = (typeof ACTIONS)[number];

/** The options each action takes besides --bootstrap-server (as Kafka's tool restricts them). */
const PERMITTED: Record<Action, readonly string[]> = {
  generate: ['topics-to-move-json-file', 'broker-list', 'disable-rack-aware'],
  execute: ['reassignment-json-file', 'throttle', 'timeout', 'additional'],
  verify: ['reassignment-json-file', 'wait', 'timeout', 'preserve-throttles'],
  cancel: ['reassignment-json-file', 'preserve-throttles'],
  list: [],
};
const REQUIRED: Record<Action, readonly string[]> = {
  generate: ['topics-to-move-json-file', 'broker-list'],
  execute: ['reassignment-json-file'],
  verify: ['reassignment-json-file'],
  cancel: ['reassignment-json-file'],
  list: [],
};

/** Execute's default wait for replicas to be placed in named log dirs, as Kafka's --timeout. */
const DEFAULT_TIMEOUT_MS = 10_000;
const WAIT_INTERVAL_MS = 1000;

function wholeNumber(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value)))
    throw new UsageError(`${flag} must be a whole number from ${min}, got '${value}'`);
  return Number(value);
}

/** `1,2,3`: broker ids, each once. */
export function parseBrokerIds(text: string): number[] {
  const items = text.split(',').map((s) => s.trim());
  const bad = items.find((s) => !/^\d+$/.test(s));
  if (bad !== undefined)
    throw new UsageError(`--broker-list takes broker ids separated by commas, got '${bad}'`);
  const ids = items.map(Number);
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (twice.length > 0)
    throw new UsageError(`--broker-list names broker ${[...new Set(twice)].join(', ')} twice`);
  return ids;
}

export const command: Command = {
  name: 'reassign',
  summary:
    'move partitions between brokers: generate, execute, verify, cancel, list (kafka-reassign-partitions)',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        'bootstrap-server': { type: 'string' },
        generate: { type: 'boolean' },
        execute: { type: 'boolean' },
        verify: { type: 'boolean' },
        cancel: { type: 'boolean' },
        list: { type: 'boolean' },
        'topics-to-move-json-file': { type: 'string' },
        'broker-list': { type: 'string' },
        'disable-rack-aware': { type: 'boolean' },
        'reassignment-json-file': { type: 'string' },
        throttle: { type: 'string' },
        timeout: { type: 'string' },
        additional: { type: 'boolean' },
        wait: { type: 'boolean' },
        'preserve-throttles': { type: 'boolean' },
      },
    });
    const given = values as Record<string, unknown>;
    const actions = ACTIONS.filter((a) => given[a]);
    if (actions.length !== 1)
      throw new UsageError(`give exactly one action: ${ACTIONS.map((a) => `--${a}`).join(', ')}`);
    const action = actions[0]!;
    for (const key of Object.keys(given)) {
      if (key === action || key === 'bootstrap-server' || PERMITTED[action].includes(key)) continue;
      throw new UsageError(`--${key} does not go with --${action}`);
    }
    const missing = REQUIRED[action].filter((k) => given[k] === undefined);
    if (missing.length > 0)
      throw new UsageError(`--${action} needs ${missing.map((k) => `--${k}`).join(' and ')}`);
    if (values.timeout !== undefined && action === 'verify' && !values.wait)
      throw new UsageError('--timeout goes with --wait for --verify');
    const bootstrap = values['bootstrap-server'];
    if (bootstrap === undefined) throw new UsageError('--bootstrap-server host:port is required');
    checkBootstrap(bootstrap);
    const throttle = wholeNumber(values.throttle, '--throttle', 1);
    const timeoutMs = wholeNumber(values.timeout, '--timeout', 0);
    const brokerIds = values['broker-list'] === undefined ? [] : parseBrokerIds(values['broker-list']);

    try {
      // Files are read before connecting: a bad one needs no broker to be reported.
      const topics = action === 'generate' ? readTopicsToMove(values['topics-to-move-json-file']!) : [];
      const plan = REQUIRED[action].includes('reassignment-json-file')
        ? readPlan(values['reassignment-json-file']!)
        : [];
      const preserveThrottles = values['preserve-throttles'] ?? false;
      return await withClient('reassign', bootstrap, (client) => {
        const admin = kafkaReassignAdmin(client);
        const out = consoleOutput;
        switch (action) {
          case 'generate':
            return generate(admin, out, topics, brokerIds, !values['disable-rack-aware']);
          case 'execute':
            return execute(admin, out, plan, {
              throttle,
              timeoutMs: timeoutMs ?? DEFAULT_TIMEOUT_MS,
              additional: values.additional ?? false,
            });
          case 'verify':
            return verify(admin, out, plan, {
              preserveThrottles,
              wait: values.wait ?? false,
              timeoutMs,
              intervalMs: WAIT_INTERVAL_MS,
            });
          case 'cancel':
            return cancel(admin, out, plan, preserveThrottles);
          case 'list':
            return list(admin, out);
        }
      });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      process.stderr.write(`kiln reassign: ${err.message}\n`);
      return 1;
    }
  },
};
