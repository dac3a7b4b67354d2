"""confluent-kafka-python AdminClient against a broker: create topics (one invalid), describe a
topic's configs, delete a topic. Prints one JSON object."""
import json
import sys

from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

bootstrap = sys.argv[1]
admin = AdminClient({"bootstrap.servers": bootstrap})
out = {}

futures = admin.create_topics(
    [
        NewTopic("admin-a", num_partitions=3, replication_factor=1, config={"retention.ms": "3600000"}),
        NewTopic("admin-b", num_partitions=1, replication_factor=1),
        NewTopic("admin-bad", num_partitions=1, replication_factor=3),
    ],
    request_timeout=15,
)
for name, future in futures.items():
    try:
        future.result()
        out[name] = "created"
    except Exception as e:  # noqa: BLE001 - the error text is what the test checks
        out[name] = e.args[0].name() if e.args and hasattr(e.args[0], "name") else str(e)

resource = ConfigResource(ConfigResource.Type.TOPIC, "admin-a")
configs = admin.describe_configs([resource])[resource].result()
out["retention.ms"] = [configs["retention.ms"].value, configs["retention.ms"].source]
out["cleanup.policy"] = [configs["cleanup.policy"].value, configs["cleanup.policy"].source]

metadata = admin.list_topics(timeout=10)
out["partitions"] = len(metadata.topics["admin-a"].partitions)

for name, future in admin.delete_topics(["admin-b"], request_timeout=15).items():
    future.result()
    out["deleted"] = name
out["topics_after"] = sorted(t for t in admin.list_topics(timeout=10).topics if t.startswith("admin-"))
print(json.dumps(out))
