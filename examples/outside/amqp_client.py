#!/usr/bin/python3
"""Calls the actor registered as "quote" on a bossa amqp node, through RabbitMQ, with JSON.

    amqp_client.py URL [PREFIX]

URL is the broker's (amqp://user:password@host:port/%2F), as a user that may publish to the
cluster's names exchange; PREFIX is the cluster's (transport.amqp.exchange, "bossa" by default).
The request goes to PREFIX.names, routing key the actor's global name, with reply_to and
correlation_id; the answer comes back through RabbitMQ's direct reply-to, so the client needs no
queue of its own. Needs pika (Debian: python3-pika) and nothing of bossa.
docs/outside-clients.md describes the format.
"""
import json
import sys
import time
import uuid

import pika

DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"


class Client:
    """RPC to bossa actors over one connection; answers are matched by correlation_id."""

    def __init__(self, url, prefix="bossa"):
        parameters = pika.URLParameters(url)
        self.user = parameters.credentials.username
        self.exchange = prefix + ".names"
        self.connection = pika.BlockingConnection(parameters)
        self.channel = self.connection.channel()
        self.answers = {}
        # Direct reply-to: consume before publishing, without acknowledgements.
        self.channel.basic_consume(DIRECT_REPLY_TO, self._on_answer, auto_ack=True)
        self.channel.add_on_return_callback(self._on_return)

    def _on_answer(self, _channel, _method, properties, body):
        status = (properties.headers or {}).get("bossa-status", "OK")
        self.answers[properties.correlation_id] = (status, properties.content_type, body)

    def _on_return(self, _channel, method, properties, _body):
        # Published mandatory: a name no actor holds has no binding, and the broker says so.
        self.answers[properties.correlation_id] = (
            "NOT_FOUND", "text/plain",
            f"no actor holds '{method.routing_key}' ({method.reply_text})".encode())

    def call(self, target, content_type, body, timeout_ms=None, reply_to=DIRECT_REPLY_TO,
             wait_s=5):
        """Asks `target`; returns (status, content type, body). TimeoutError after wait_s."""
        correlation = uuid.uuid4().hex
        self.channel.basic_publish(
            self.exchange, target, body, mandatory=True,
            properties=pika.BasicProperties(
                content_type=content_type, reply_to=reply_to, correlation_id=correlation,
                user_id=self.user,  # the broker checks it; the node may authorize by it
                expiration=None if timeout_ms is None else str(timeout_ms)))
        deadline = time.monotonic() + wait_s
        while correlation not in self.answers:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no answer from '{target}' within {wait_s} s")
            self.connection.process_data_events(time_limit=remaining)
        return self.answers.pop(correlation)

    def close(self):
        self.connection.close()


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    client = Client(*sys.argv[1:])
    lookup = {"sku": "tea", "count": 3}
    status, reply_type, body = client.call("quote", "application/json; type=outside.lookup",
                                           json.dumps(lookup).encode())
    if status != "OK":
        sys.exit(f"quote failed: {status}: {body.decode()}")
    print(reply_type)
    print(json.dumps(json.loads(body), sort_keys=True))
    client.close()


if __name__ == "__main__":
    main()
