"""kafka-python 2.0.2 with one compression codec (gzip, snappy, lz4 or zstd): produce N compressible
messages in a few batches, then read them back from partition 0 with a plain consumer. kafka-python
sends a batch uncompressed when the codec does not make it smaller, so the values repeat text.
Prints one JSON object: the codec libraries found, the produced offsets, and what was read."""
import json
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka import codec as codecs

bootstrap, topic, codec, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

available = {
    "gzip": codecs.has_gzip(),
    "snappy": codecs.has_snappy(),
    "lz4": codecs.has_lz4(),
    "zstd": codecs.has_zstd(),
}


def value(i):
    return (f"v{i}-" + "kiln " * 40).encode()


producer = KafkaProducer(
    bootstrap_servers=bootstrap,
    compression_type=codec,
    linger_ms=50,
    batch_size=16384,
    request_timeout_ms=10000,
)
futures = [producer.send(topic, key=f"k{i}".encode(), value=value(i), partition=0) for i in range(count)]
producer.flush()
offsets = [f.get(timeout=30).offset for f in futures]
producer.close()

consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=5000)
consumer.assign([TopicPartition(topic, 0)])
consumer.seek_to_beginning()
seen = []
for m in consumer:
    seen.append([m.offset, m.key.decode(), m.value == value(m.offset)])
    if len(seen) == count:
        break
consumer.close()
print(json.dumps({"available": available, "offsets": offsets, "seen": seen}))
