/**
 * `kiln reassign --generate`: the current placement of the topics' partitions and a proposed one
 * on the brokers of --broker-list (balanced-assignment.ts), both as plans, as Kafka's tool prints
 * them:
 *
 *   Current partition replica assignment
 *   {"version":1,"partitions":[...]}
 *
 *   Proposed partition reassignment configuration
 *   {"version":1,"partitions":[...]}
 *
 * Nothing is changed: save the first plan to go back, give the second to --execute.
 */
import { proposeAssignment } from './balanced-assignment.js';
import { InputError } from './json-input.js';
import { formatPlan } from './plan.js';
import type { Output, ReassignAdmin } from './reassign-admin.js';

export async function generate(
  admin: ReassignAdmin,
  out: Output,
  topics: readonly string[],
  brokerIds: readonly number[],
  rackAware: boolean,
): Promise<number> {
  const view = await admin.cluster([...topics]);
  const missing = topics.filter((t) => !view.topics.has(t));
  if (missing.length > 0)
    throw new InputError(
      `topic ${missing.join(', ')} does not exist (nothing to move for ${missing.length === 1 ? 'it' : 'them'})`,
    );
  const known = new Set(view.brokers.map((b) => b.id));
  const unknown = brokerIds.filter((id) => !known.has(id));
  if (unknown.length > 0)
    throw new InputError(
      `--broker-list names broker ${unknown.join(', ')}, which is not in the cluster (its brokers: ${[...known].join(',')})`,
    );
  const current = topics.flatMap((t) => view.topics.get(t)!);
  const brokers = view.brokers.filter((b) => brokerIds.includes(b.id));
  const proposed = proposeAssignment(current, brokers, rackAware);
  out.out(`Current partition replica assignment\n${formatPlan(current)}\n`);
  out.out(`Proposed partition reassignment configuration\n${formatPlan(proposed)}`);
  return 0;
}
