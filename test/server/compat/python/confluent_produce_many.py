"""An idempotent confluent-kafka-python producer that keeps producing while the broker is killed
and restarted. Writes "ready" after the first delivery, then, at the end, one JSON object with the
keys whose delivery was acknowledged and any errors."""
import json
import sys

from confluent_kafka import Producer

bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
producer = Producer({
    "bootstrap.servers": bootstrap,
    "enable.idempotence": True,
    "linger.ms": 2,
    "message.timeout.ms": 60000,
    "reconnect.backoff.ms": 50,
    "reconnect.backoff.max.ms": 200,
})
acked, errors = [], []
told = False

def delivered(err, msg):
    global told
    if err:
        errors.append(str(err))
        return
    acked.append(msg.key().decode())
    if not told:
        told = True
        print("ready", flush=True)

for i in range(count):
    while True:
        try:
            producer.produce(topic, key=f"k{i:06d}", value=f"v{i}", on_delivery=delivered)
            break
        except BufferError:
            producer.poll(0.05)
    producer.poll(0)
    if i % 500 == 0:
        producer.poll(0.01)
producer.flush(90)
print(json.dumps({"acked": acked, "errors": errors}), flush=True)
