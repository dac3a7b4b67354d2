"""confluent-kafka-python consumer groups. `consume GROUP TOPIC N`: subscribe, read N messages,
commit synchronously, close. `committed GROUP TOPIC PARTITIONS`: the group's committed offsets.
Prints one JSON object."""
import json
import sys

from confluent_kafka import Consumer, TopicPartition

mode, bootstrap, group, topic = sys.argv[1:5]
consumer = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "enable.auto.commit": False,
    "auto.offset.reset": "earliest",
    "session.timeout.ms": 10000,
})
if mode == "consume":
    want = int(sys.argv[5])
    consumer.subscribe([topic])
    values = []
    while len(values) < want:
        msg = consumer.poll(15)
        if msg is None:
            break
        if not msg.error():
            values.append(msg.value().decode())
    consumer.commit(asynchronous=False)
    consumer.close()
    print(json.dumps({"values": values}))
else:
    partitions = int(sys.argv[5])
    committed = consumer.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=15)
    consumer.close()
    print(json.dumps({"committed": [tp.offset for tp in committed]}))
