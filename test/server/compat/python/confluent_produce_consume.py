"""confluent-kafka-python (librdkafka) against a broker: an idempotent producer writes N keyed
messages, then a consumer assigned to the partition reads them back. Prints one JSON object."""
import json
import sys

from confluent_kafka import Consumer, Producer, TopicPartition

bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])

producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5})
errors = []
for i in range(count):
    producer.produce(topic, key=f"k{i}", value=f"v{i}", on_delivery=lambda err, msg: err and errors.append(str(err)))
    if i % 100 == 0:
        producer.poll(0)
left = producer.flush(30)

consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False})
consumer.assign([TopicPartition(topic, 0, 0)])
seen = []
while len(seen) < count:
    msg = consumer.poll(10)
    if msg is None:
        break
    if msg.error():
        errors.append(str(msg.error()))
        continue
    seen.append([msg.offset(), msg.key().decode(), msg.value().decode()])
consumer.close()
print(json.dumps({"errors": errors, "unflushed": left, "seen": seen}))
