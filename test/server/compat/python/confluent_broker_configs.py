"""confluent-kafka-python AdminClient against a broker: dynamic broker configs. Alters this
broker's log.retention.ms (as librdkafka's own admin test alters a broker resource), checks it
with describe_configs, tries a property that cannot change at run time and a validate-only change.
Prints one JSON object."""
import json
import sys

from confluent_kafka.admin import AdminClient, ConfigResource

bootstrap, broker_id = sys.argv[1], sys.argv[2]
admin = AdminClient({"bootstrap.servers": bootstrap})
out = {}


def alter(resource, **kwargs):
    try:
        admin.alter_configs([resource], request_timeout=15, **kwargs)[resource].result()
        return "ok"
    except Exception as e:  # noqa: BLE001 - the error is what the test checks
        err = e.args[0] if e.args else None
        return [err.name(), err.str()] if hasattr(err, "name") else str(e)


broker = ConfigResource(ConfigResource.Type.BROKER, broker_id, set_config={"log.retention.ms": "3600000"})
out["alter"] = alter(broker)

described = admin.describe_configs([ConfigResource(ConfigResource.Type.BROKER, broker_id)])
configs = list(described.values())[0].result()
entry = configs["log.retention.ms"]
out["log.retention.ms"] = [entry.value, entry.source, entry.is_read_only]
out["num.partitions.read_only"] = configs["num.partitions"].is_read_only

fixed = ConfigResource(ConfigResource.Type.BROKER, broker_id, set_config={"num.partitions": "3"})
out["read_only"] = alter(fixed)

dry = ConfigResource(ConfigResource.Type.BROKER, broker_id, set_config={"log.retention.ms": "1000"})
out["validate_only"] = alter(dry, validate_only=True)
after = list(admin.describe_configs([ConfigResource(ConfigResource.Type.BROKER, broker_id)]).values())[0].result()
out["after_validate_only"] = after["log.retention.ms"].value
print(json.dumps(out))
