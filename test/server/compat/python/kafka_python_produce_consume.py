"""kafka-python 2.0.2 against a broker: produce N messages, then read them back from an assigned
partition. kafka-python probes the broker's version with ApiVersions v0. Prints one JSON object."""
import json
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])

producer = KafkaProducer(bootstrap_servers=bootstrap, request_timeout_ms=10000)
futures = [producer.send(topic, key=f"k{i}".encode(), value=f"v{i}".encode()) for i in range(count)]
offsets = [f.get(timeout=30).offset for f in futures]
producer.close()

consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=5000)
consumer.assign([TopicPartition(topic, 0)])
consumer.seek_to_beginning()
seen = [[m.offset, m.key.decode(), m.value.decode()] for m in consumer]
consumer.close()
print(json.dumps({"offsets": offsets, "seen": seen}))
