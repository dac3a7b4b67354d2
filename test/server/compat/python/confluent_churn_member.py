"""A long-lived confluent-kafka-python (librdkafka) group member driven over stdin/stdout.

Usage: confluent_churn_member.py BOOTSTRAP GROUP TOPICS INSTANCE_ID STRATEGY SESSION_MS HEARTBEAT_MS
  [MAX_POLL_MS]
  TOPICS is comma-separated; INSTANCE_ID '-' means a dynamic member; STRATEGY is range, roundrobin
  or cooperative-sticky.

Prints one JSON object per line:
  {"ev": "ready"}                                   the consumer exists and has subscribed
  {"ev": "assign"|"revoke"|"lost", "partitions": [["topic", p], ...], "t": unix_ms}
                                                    the rebalance callbacks (a delta for cooperative)
  {"ev": "leader", "t": unix_ms}                    librdkafka logged that it was elected leader
  {"ev": "msgs", "values": ["topic/p/value", ...]}  records read since the last such line
  {"ev": "closed", "t": unix_ms}                    close() returned
Reads commands, one a line: "close" (close(): LeaveGroup for a dynamic member), "exit" (leave the
process at once without closing).
"""
import json
import logging
import os
import sys
import threading
import time

from confluent_kafka import Consumer

bootstrap, group, topics, instance_id, strategy, session_ms, heartbeat_ms = sys.argv[1:8]
max_poll_ms = int(sys.argv[8]) if len(sys.argv) > 8 else 300000
out_lock = threading.Lock()


def emit(obj):
    with out_lock:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


def now():
    return int(time.time() * 1000)


class LeaderWatch(logging.Handler):
    def emit(self, record):
        text = record.getMessage()
        if "elected leader" in text:
            emit({"ev": "leader", "t": now(), "log": text[-200:]})


logger = logging.getLogger("rdkafka")
logger.setLevel(logging.DEBUG)
logger.addHandler(LeaderWatch())
logger.propagate = False

conf = {
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "auto.offset.reset": "earliest",
    "enable.auto.commit": True,
    "auto.commit.interval.ms": 500,
    "session.timeout.ms": int(session_ms),
    "heartbeat.interval.ms": int(heartbeat_ms),
    "max.poll.interval.ms": max_poll_ms,
    "partition.assignment.strategy": strategy,
    "topic.metadata.refresh.interval.ms": 2000,
    "debug": "cgrp",
}
if instance_id != "-":
    conf["group.instance.id"] = instance_id
consumer = Consumer(conf, logger=logger)


def parts(partitions):
    return [[tp.topic, tp.partition] for tp in partitions]


def on_assign(c, partitions):
    emit({"ev": "assign", "partitions": parts(partitions), "t": now()})


def on_revoke(c, partitions):
    emit({"ev": "revoke", "partitions": parts(partitions), "t": now()})


def on_lost(c, partitions):
    emit({"ev": "lost", "partitions": parts(partitions), "t": now()})


consumer.subscribe(topics.split(","), on_assign=on_assign, on_revoke=on_revoke, on_lost=on_lost)
emit({"ev": "ready", "t": now()})

commands = []


def read_commands():
    for line in sys.stdin:
        commands.append(line.strip())
    commands.append("exit")  # stdin closed: the test is gone


threading.Thread(target=read_commands, daemon=True).start()

pending = []
last_flush = time.time()
while True:
    if commands:
        cmd = commands.pop(0)
        if cmd == "exit":
            emit({"ev": "msgs", "values": pending})
            os._exit(0)
        if cmd == "close":
            emit({"ev": "msgs", "values": pending})
            pending = []
            consumer.close()
            emit({"ev": "closed", "t": now()})
            os._exit(0)
    msg = consumer.poll(0.1)
    if msg is not None and not msg.error():
        pending.append("%s/%d/%s" % (msg.topic(), msg.partition(), msg.value().decode()))
    if pending and (len(pending) >= 200 or time.time() - last_flush > 0.2):
        emit({"ev": "msgs", "values": pending})
        pending = []
        last_flush = time.time()
