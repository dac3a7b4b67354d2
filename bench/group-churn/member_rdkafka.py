"""One librdkafka group member of the group churn benchmark (confluent-kafka-python, run with
/usr/bin/python3 by bench/group-churn/member-process.ts).

usage: member_rdkafka.py BOOTSTRAP GROUP TOPIC ASSIGNOR SESSION_MS HEARTBEAT_MS

ASSIGNOR is range, roundrobin or cooperative-sticky. Offsets are stored once the records are
reported and committed automatically every 500 ms, so a crash re-delivers at most the last half
second and a clean close commits everything read.

stdout: one JSON object per line (the format member-process.ts reads):
  {"ev":"ready","t":unix_ms}                          the consumer exists and has subscribed
  {"ev":"owned","partitions":[p,...],"t":unix_ms}     the partitions owned after a rebalance callback
  {"ev":"msgs","t":unix_ms,"recs":[[p,offset],...]}   records read since the last such line; t is
                                                      when the first of them was read
  {"ev":"closed","t":unix_ms}                         close() returned (LeaveGroup sent)
stdin: "close" closes the consumer and exits; a crash is the parent's SIGKILL.
"""
import json
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaException, TopicPartition

bootstrap, group, topic, assignor, session_ms, heartbeat_ms = sys.argv[1:7]
lock = threading.Lock()
owned = set()
closing = threading.Event()


def now():
    return int(time.time() * 1000)


def emit(obj):
    with lock:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


def changed():
    emit({"ev": "owned", "partitions": sorted(owned), "t": now()})


def on_assign(consumer, partitions):
    owned.update(p.partition for p in partitions)
    changed()


def on_revoke(consumer, partitions):
    owned.difference_update(p.partition for p in partitions)
    changed()


consumer = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "auto.offset.reset": "earliest",
    "enable.auto.commit": True,
    "enable.auto.offset.store": False,
    "auto.commit.interval.ms": 500,
    "session.timeout.ms": int(session_ms),
    "heartbeat.interval.ms": int(heartbeat_ms),
    "partition.assignment.strategy": assignor,
    "fetch.wait.max.ms": 100,
})
consumer.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_revoke)
emit({"ev": "ready", "t": now()})


def read_commands():
    for line in sys.stdin:
        if line.strip() == "close":
            closing.set()
            return
    closing.set()


threading.Thread(target=read_commands, daemon=True).start()

# poll(), one record at a time: librdkafka 2.0.2's batch consume (consume()) can skip records
# when a rebalance lands during a batch (their offsets are stored and committed unread), which
# this benchmark would count as lost. Offsets are stored by hand, only once the records are
# reported, so a commit never covers a record this process read but did not report.
recs = []
last = {}
first = 0


def report():
    global recs, last
    emit({"ev": "msgs", "t": first, "recs": recs})
    try:
        consumer.store_offsets(offsets=[TopicPartition(topic, p, o + 1) for p, o in last.items()])
    except KafkaException:
        pass  # a partition revoked meanwhile: its new owner starts from the last commit
    recs, last = [], {}


while not closing.is_set():
    m = consumer.poll(0.05)
    if m is not None and m.error() is None:
        if not recs:
            first = now()
        recs.append([m.partition(), m.offset()])
        last[m.partition()] = m.offset()
    if recs and (m is None or now() - first >= 50):
        report()
if recs:
    report()
consumer.close()
emit({"ev": "closed", "t": now()})
