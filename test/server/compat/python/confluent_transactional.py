"""confluent-kafka-python (librdkafka) with a transactional.id against a broker: init_transactions
with a 30 s timeout. Prints one JSON object: the error's name, whether it is fatal, its text."""
import json
import sys

from confluent_kafka import KafkaException, Producer

bootstrap, transactional_id = sys.argv[1], sys.argv[2]
producer = Producer({
    "bootstrap.servers": bootstrap,
    "client.id": "confluent-tx-client",
    "transactional.id": transactional_id,
})
try:
    producer.init_transactions(30)
    print(json.dumps({"error": None}))
except KafkaException as e:
    err = e.args[0]
    print(json.dumps({"error": err.name(), "fatal": err.fatal(), "text": err.str()}))
