"""The chaos run's load: one idempotent confluent-kafka-python producer (librdkafka, acks=all)
writing numbered records at a steady rate until its stdin closes, then flushing. Run with
/usr/bin/python3 (Debian's python3-confluent-kafka) by bench/chaos/load-generator.ts.

usage: producer.py BOOTSTRAP TOPIC[,TOPIC...] PRODUCER_INDEX RATE VALUE_BYTES MESSAGE_TIMEOUT_MS FLUSH_S

Record values follow bench/chaos/record-value.ts: "<producer>-<seq> <incarnation> <padding>". Record
seq goes to topic number seq % len(topics), keyed by seq (librdkafka's partitioner picks the
partition). A record librdkafka refuses at once (produce() raising, e.g. _UNKNOWN_TOPIC) is
offered again a moment later, under the same id. If librdkafka reports a fatal error (the idempotent
producer cannot go on), or its statistics show it stuck sending a partition to a broker other than
the leader it names (librdkafka 2.0.2's stale delegation, bench/chaos/stale_delegation.py), this
process reports it, fails what was outstanding and starts a new producer instance (incarnation + 1).

stdout carries one JSON object per line:
  {"kind":"ack","topic":T,"partition":P,"offset":O,"id":ID}   a record the cluster acknowledged
  {"kind":"fail","topic":T,"id":ID,"error":NAME}                a record whose delivery failed
  {"kind":"error","error":NAME,"reason":TEXT,"fatal":BOOL}      librdkafka's error callback
  {"kind":"restart","incarnation":N,"reason":TEXT,"cause":C}    a new producer instance; C is
                                        "fatal" or "stale-delegation"
  {"kind":"end","sent":N,"acked":N,"failed":N,"unflushed":N}    the last line, after the flush
                                        (unflushed: records still waiting when the flush gave up)
  {"kind":"stats","idemp":S,"pid":N,"epoch":N,"undelivered":N,"partitions":[...],"brokers":[...]}
      every STATS_INTERVAL_MS, librdkafka's own view (its statistics, reduced): records not yet
      delivered in all; for each partition the broker librdkafka sends it to and the leader it
      believes in, records in its partition queue and in built requests, the next sequence it
      expects acknowledged; for each broker its connection state, requests (and records) waiting
      to be sent and waiting for an answer, requests timed out. A partition that stops taking
      records shows here whether the client or the cluster holds it up.

CHAOS_RDKAFKA_DEBUG in the environment (e.g. "eos,msg,broker,topic") turns on librdkafka's debug
contexts; their lines go to stderr, which the run keeps as logs/producer-<i>.log.
"""
import json
import os
import sys
import threading
import time

from confluent_kafka import KafkaException, Producer

from fatal_errors import catching_fatal
from stale_delegation import StaleDelegation

bootstrap, topics_arg, index_arg, rate_arg, size_arg, timeout_arg, flush_arg = sys.argv[1:8]
topics = topics_arg.split(",")
index, rate, size = int(index_arg), float(rate_arg), int(size_arg)
flush_s = float(flush_arg)
MAX_OUTSTANDING = 20000
STATS_INTERVAL_MS = 2000
# At most one second's worth is sent late in a burst after the cluster stalled the producer.
BURST = max(1, int(rate))

out = []
counts = {"sent": 0, "acked": 0, "failed": 0}
fatal = []
stale = StaleDelegation()
# Set by on_stats when librdkafka is stuck on a stale broker: why a new instance is needed.
stuck = []


def emit(obj):
    out.append(json.dumps(obj, separators=(",", ":")))


def delivered(err, msg):
    record_id = msg.value().split(b" ", 1)[0].decode()
    if err is not None:
        counts["failed"] += 1
        emit({"kind": "fail", "topic": msg.topic(), "id": record_id, "error": err.name()})
        return
    counts["acked"] += 1
    emit({"kind": "ack", "topic": msg.topic(), "partition": msg.partition(), "offset": msg.offset(),
          "id": record_id})


def on_error(err):
    emit({"kind": "error", "error": err.name(), "reason": err.str(), "fatal": err.fatal()})
    if err.fatal():
        fatal.append(err.str())


def report_fatal(err):
    emit({"kind": "error", "error": err.name(), "reason": err.str(), "fatal": True})
    if not fatal:
        fatal.append(err.str())


def guarded(call, *args):
    """A call of the producer that may raise a fatal error (fatal_errors.py): reported, and queued
    for the main loop (a new producer instance); None is answered then."""
    return catching_fatal(call, args, report_fatal)


def on_stats(text):
    try:
        stats = json.loads(text)
    except ValueError:
        return
    partitions = []
    for name, topic in stats.get("topics", {}).items():
        for p in topic.get("partitions", {}).values():
            if p.get("partition", -1) < 0:
                continue  # librdkafka's "unassigned" pseudo-partition
            partitions.append({
                "topic": name,
                "partition": p["partition"],
                "broker": p.get("broker", -1),
                "leader": p.get("leader", -1),
                # (xmit_msgq_cnt is always 0 in librdkafka 2.0.2: records a broker thread took are
                # counted in its outbuf/waitresp figures below, and in "undelivered".)
                "queued": p.get("msgq_cnt", 0),
                "inflight": p.get("msgs_inflight", 0),
                "nextAckSeq": p.get("next_ack_seq", 0),
            })
    brokers = [
        {
            "id": b["nodeid"],
            "state": b.get("state", "?"),
            "outbuf": b.get("outbuf_cnt", 0),
            "outbufMsgs": b.get("outbuf_msg_cnt", 0),
            "waitresp": b.get("waitresp_cnt", 0),
            "waitrespMsgs": b.get("waitresp_msg_cnt", 0),
            "timeouts": b.get("req_timeouts", 0),
            "retries": b.get("txretries", 0),
        }
        for b in stats.get("brokers", {}).values()
        if b.get("nodeid", -1) >= 0
    ]
    if not stuck:
        found = stale.observe(time.monotonic(), partitions)
        if found:
            stuck.append(found)
    eos = stats.get("eos", {})
    emit({"kind": "stats", "idemp": eos.get("idemp_state", "?"), "pid": eos.get("producer_id", -1),
          "epoch": eos.get("producer_epoch", -1), "undelivered": stats.get("msg_cnt", 0),
          "partitions": partitions, "brokers": brokers})


def new_producer(incarnation):
    extra = {"debug": os.environ["CHAOS_RDKAFKA_DEBUG"]} if os.environ.get("CHAOS_RDKAFKA_DEBUG") else {}
    return Producer({
        **extra,
        "bootstrap.servers": bootstrap,
        "client.id": f"chaos-producer-{index}",
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "message.timeout.ms": int(timeout_arg),
        "reconnect.backoff.ms": 50,
        "reconnect.backoff.max.ms": 1000,
        "topic.metadata.refresh.interval.ms": 5000,
        "error_cb": on_error,
        "statistics.interval.ms": STATS_INTERVAL_MS,
        "stats_cb": on_stats,
    })


def write_out():
    if out:
        sys.stdout.write("\n".join(out) + "\n")
        sys.stdout.flush()
        out.clear()


stopping = threading.Event()


def wait_for_eof():
    sys.stdin.read()
    stopping.set()


threading.Thread(target=wait_for_eof, daemon=True).start()

incarnation = 0
producer = new_producer(incarnation)
seq = 0
refused_until = 0.0
start = time.monotonic()
while not stopping.is_set():
    if fatal or stuck:
        cause, reason = ("fatal", fatal[0]) if fatal else ("stale-delegation", stuck[0])
        fatal.clear()
        stuck.clear()
        stale.reset()
        producer.purge(in_queue=True, in_flight=True, blocking=False)
        deadline = time.monotonic() + 5
        while len(producer) > 0 and time.monotonic() < deadline:
            try:
                producer.poll(0.1)
            except KafkaException:
                pass  # the old instance's fatal error, said already
        incarnation += 1
        emit({"kind": "restart", "incarnation": incarnation, "reason": reason, "cause": cause})
        producer = new_producer(incarnation)
        stuck.clear()  # what the old instance's statistics said while it was purged
        stale.reset()
    owed = int((time.monotonic() - start) * rate) - seq
    if owed > BURST:
        start += (owed - BURST) / rate
        owed = BURST
    sent_now = 0
    while sent_now < min(owed, 500) and len(producer) < MAX_OUTSTANDING and time.monotonic() >= refused_until:
        head = f"{index}-{seq} {incarnation}"
        value = head + " " + "x" * (size - len(head) - 1) if size > len(head) + 1 else head
        try:
            producer.produce(topics[seq % len(topics)], key=str(seq), value=value, on_delivery=delivered)
        except BufferError:
            break
        except KafkaException as e:
            # librdkafka refused it at once (e.g. _UNKNOWN_TOPIC after a broker's Metadata answer
            # left the topic out): nothing was sent; the same record is offered again shortly.
            err = e.args[0]
            if err.fatal():
                report_fatal(err)
                break
            emit({"kind": "error", "error": err.name(), "reason": "produce(): " + err.str(), "fatal": False})
            refused_until = time.monotonic() + 0.1
            break
        seq += 1
        sent_now += 1
    counts["sent"] = seq
    guarded(producer.poll, 0 if sent_now > 0 else 0.005)
    write_out()

remaining = guarded(producer.flush, flush_s)
if remaining is None:  # a fatal error ended the flush
    remaining = len(producer)
if remaining > 0:
    producer.purge(in_queue=True, in_flight=True, blocking=False)
    guarded(producer.flush, 5)
write_out()
emit({"kind": "end", "unflushed": remaining, **counts})
write_out()
