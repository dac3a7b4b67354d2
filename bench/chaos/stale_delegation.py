"""Spots librdkafka 2.0.2 stuck on a stale broker, from its own statistics.

librdkafka hands each partition to one broker's thread, which sends its produce requests. When
Metadata answers from different brokers briefly disagree about a partition's leader (one broker
has the new leader, another still the old one), librdkafka 2.0.2 can end up with the partition
handed to one broker while it names another as the leader: a leader change arriving while an
earlier hand-over is under way, naming the broker the partition is still on, is taken as "no
change" (rd_kafka_toppar_broker_update), and the pending hand-over then completes to the other
broker. From then on every Metadata answer names the same leader, which librdkafka takes for a
follower it fetches from on purpose ("not migrating away from preferred replica",
rd_kafka_toppar_leader_update), so it does not move the partition while that leader stays: it
sends to the wrong broker, which answers NOT_LEADER_OR_FOLLOWER, until leadership changes again.
librdkafka 2.4 and later ignore, for producers too, Metadata answers with an older leader epoch
(KIP-320), which keeps the stale answer from starting this; 2.0.2 reads Metadata v4, which
carries no leader epoch.

The same race can leave the partition on the right broker while librdkafka names the old leader;
records then still flow. So a partition counts as stuck only when librdkafka sends it to a broker
other than the leader it names and acknowledges none of it (its next expected sequence stays),
for longer than a hand-over takes. The chaos load writes to every partition all the time, so a
partition that takes nothing for that long is held. The chaos producer then starts a new producer
instance, as after a fatal error, and says why.
"""

# A hand-over takes milliseconds; statistics come every 2 s. Five of them in a row is no hand-over.
STUCK_AFTER_S = 10.0


class StaleDelegation:
    def __init__(self, stuck_after_s=STUCK_AFTER_S):
        self.stuck_after_s = stuck_after_s
        # (topic, partition) -> (when librdkafka was first seen sending it to a broker other than
        # the leader it names with no record acknowledged since, its next expected sequence then)
        self.since = {}

    def observe(self, now, partitions):
        """Takes one statistics sample: `partitions` as producer.py reduces them (topic, partition,
        broker, leader, nextAckSeq). Returns a description of the partition stuck longest past STUCK_AFTER_S,
        or None."""
        seen = set()
        worst = None
        for p in partitions:
            broker, leader = p["broker"], p["leader"]
            # -1: no leader known, or the partition waits on librdkafka's internal broker.
            if broker < 0 or leader < 0 or broker == leader:
                continue
            key = (p["topic"], p["partition"])
            seen.add(key)
            acked = p.get("nextAckSeq", -1)
            first, acked_then = self.since.get(key, (now, acked))
            if acked != acked_then:
                first = now  # records acknowledged meanwhile: not stuck, count afresh
            self.since[key] = (first, acked)
            held = now - first
            if held >= self.stuck_after_s and (worst is None or held > worst[0]):
                worst = (held, key, broker, leader)
        for key in list(self.since):
            if key not in seen:
                del self.since[key]
        if worst is None:
            return None
        held, (topic, partition), broker, leader = worst
        return (f"librdkafka sent {topic}/{partition} to broker {broker} for {held:.0f} s though it "
                f"names broker {leader} its leader (librdkafka 2.0.2's stale delegation)")

    def reset(self):
        self.since.clear()
