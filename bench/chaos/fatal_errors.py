"""librdkafka's fatal errors as Debian's confluent-kafka-python (1.7) delivers them: not to
error_cb, but raised (KafkaException) from the poll(), flush() or produce() call that served them.
The chaos producer must see them there, or it dies with a traceback instead of starting a new
producer instance."""
from confluent_kafka import KafkaException


def catching_fatal(call, args, on_fatal):
    """Answers call(*args); a fatal error it raises goes to on_fatal(KafkaError) instead, and None
    is answered. Other errors are raised as they are."""
    try:
        return call(*args)
    except KafkaException as e:
        err = e.args[0]
        if not err.fatal():
            raise
        on_fatal(err)
        return None
