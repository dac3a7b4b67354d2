"""An idempotent confluent-kafka-python producer (acks=all) that writes numbered keys to a topic
until its stdin closes, as fast as the cluster acknowledges them (at most a thousand waiting). Writes "ready" after the first delivery, then, at
the end, one JSON object with the keys whose delivery was acknowledged and any errors."""
import json
import sys
import threading
import time

from confluent_kafka import Producer

bootstrap, topic = sys.argv[1], sys.argv[2]
producer = Producer({
    "bootstrap.servers": bootstrap,
    "enable.idempotence": True,
    "linger.ms": 5,
    "message.timeout.ms": 120000,
    "reconnect.backoff.ms": 50,
    "reconnect.backoff.max.ms": 500,
})
acked, errors = [], []
told = False
done = threading.Event()


def delivered(err, msg):
    global told
    if err:
        errors.append(str(err))
        return
    acked.append(msg.key().decode())
    if not told:
        told = True
        print("ready", flush=True)


def wait_for_eof():
    sys.stdin.read()
    done.set()


threading.Thread(target=wait_for_eof, daemon=True).start()
i = 0
while not done.is_set():
    for _ in range(50):
        producer.produce(topic, key=f"k{i:08d}", value=f"v{i}", on_delivery=delivered)
        i += 1
    producer.poll(0.01)
    # No more than a thousand waiting: the load follows what the cluster acknowledges.
    while len(producer) > 1000 and not done.is_set():
        producer.poll(0.05)
producer.flush(120)
print(json.dumps({"acked": acked, "errors": errors}), flush=True)
