#!/usr/bin/python3
"""The outside-clients example over AMQP against a real node and broker: starts
bossa-outside-node on the amqp transport (the broker of BOSSA_TEST_AMQP_URL, an exchange prefix of
its own), runs the pika client, then the error cases (unknown name, an actor that crashes, a
timeout, a malformed body), a reply queue of the client's own, many requests in flight, an answer
whose reply_to leads nowhere (counted), and last, under [[authorization]], a user allowed one name
and a request without user_id.

    amqp_outside_test.py NODE_PROGRAM

Skips (exit 77) without BOSSA_TEST_AMQP_URL. Every wait is bounded (answers: 5 s; processes:
20 s). Exits non-zero with the reason on failure.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import pika

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import amqp_client  # noqa: E402  (the example client)

WAIT = 20  # seconds, for a process
SKIP = 77


def fail(what):
    sys.exit(f"FAILED: {what}")


def expect(condition, what):
    if not condition:
        fail(what)
    print(f"ok: {what}")


def write_config(directory, url, prefix, authorization):
    path = os.path.join(directory, "outside-amqp.toml")
    with open(path, "w", encoding="utf-8") as config:
        config.write(f"""[node]
name = "outside"
workers = 2
[transport]
kind = "amqp"
[transport.amqp]
url = "{url}"
exchange = "{prefix}"
shared_user = true
[gateway]
timeout = "3s"
""")
        if authorization:
            user = pika.URLParameters(url).credentials.username
            config.write(f"""[[authorization]]
users = ["{user}"]
allow = ["request:echo"]
""")
    return path


class RunningNode:
    """bossa-outside-node on `config`, up, its metrics URL read from its "is up" line."""

    def __init__(self, program, config):
        self.process = subprocess.Popen([program, "--config", config, "--log_level=warning",
                                         "--metrics_port=-1"], stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        match = re.search(r" is up; metrics at (http://\S+)", line)
        if match is None:
            self.process.kill()
            fail(f"the node did not report its metrics: {line!r}")
        self.metrics_url = match.group(1)

    def counts(self):
        """The node's bossa_gateway_* counters (on amqp, its AMQP requests)."""
        with urllib.request.urlopen(self.metrics_url, timeout=5) as response:
            text = response.read().decode()
        found = re.findall(r"^bossa_gateway_(\w+)_total\{[^}]*\} (\d+)$", text, re.MULTILINE)
        return {name: int(value) for name, value in found}

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            fail("the node did not stop on SIGTERM")
        expect(self.process.returncode == 0, "the node stops cleanly")


def await_binding(client):
    """The node binds its names as it starts: asks echo until the broker routes to it."""
    deadline = time.monotonic() + 10
    while True:
        status, _, body = client.call("echo", "text/plain", b"ready?")
        if status != "NOT_FOUND" or time.monotonic() > deadline:
            return status, body
        time.sleep(0.05)  # polls the condition, bounded: the binding is on its way


def check_client(url, prefix):
    run = subprocess.run([sys.executable, os.path.join(HERE, "amqp_client.py"), url, prefix],
                         capture_output=True, text=True, timeout=WAIT, check=False)
    expect(run.returncode == 0 and run.stdout.splitlines() == [
        "application/json; type=outside.quote",
        '{"count": 3, "sku": "tea", "total_cents": 1350}'],
        f"the pika client gets a JSON quote through direct reply-to ({run.stderr!r})")


def check_errors(client):
    status, _, body = client.call("nobody", "text/plain", b"hi")
    expect(status == "NOT_FOUND" and b"nobody" in body,
           "a name no actor holds is returned by the broker (NOT_FOUND)")
    status, _, body = client.call("crash", "text/plain", b"boom")
    expect(status == "ABORTED" and b"stopped while handling" in body,
           "an actor that crashes fails the request (ABORTED)")
    status, _, body = client.call("slow", "text/plain", b"late", timeout_ms=200)
    expect(status == "DEADLINE_EXCEEDED", "a request past its expiration is DEADLINE_EXCEEDED")
    status, _, body = client.call("quote", "application/json; type=outside.lookup",
                                  b'{"sku": "tea", "cuont": 1}')
    expect(status == "INVALID_ARGUMENT" and b"cuont" in body,
           "a body that does not fit its type is INVALID_ARGUMENT, naming the field")
    answer = client.call("echo", "application/json", b"41")
    expect(answer == ("OK", "application/json; type=int64", b"41"),
           "JSON without a type is taken by its kind")


def check_own_queue(client):
    queue = client.channel.queue_declare("", exclusive=True).method.queue
    got = []
    client.channel.basic_consume(queue, lambda _c, _m, p, b: got.append((p, b)), auto_ack=True)
    client.channel.basic_publish(client.exchange, "echo", b"to my queue", properties=pika.
                                 BasicProperties(content_type="text/plain", reply_to=queue,
                                                 correlation_id="mine"))
    deadline = time.monotonic() + 5
    while not got and time.monotonic() < deadline:
        client.connection.process_data_events(time_limit=deadline - time.monotonic())
    expect(len(got) == 1 and got[0][1] == b"to my queue" and
           got[0][0].correlation_id == "mine" and got[0][0].headers["bossa-status"] == "OK",
           "an answer goes to a queue of the client's own, with its correlation_id")


def check_many_in_flight(client):
    props = lambda i: pika.BasicProperties(content_type="text/plain",  # noqa: E731
                                           reply_to=amqp_client.DIRECT_REPLY_TO,
                                           correlation_id=f"c{i}")
    client.channel.basic_publish(client.exchange, "slow", b"first", properties=props("slow"))
    for i in range(20):
        client.channel.basic_publish(client.exchange, "echo", str(i).encode(), properties=props(i))
    order = []
    client.answers.clear()
    deadline = time.monotonic() + 5
    while len(client.answers) < 21 and time.monotonic() < deadline:
        before = set(client.answers)
        client.connection.process_data_events(time_limit=deadline - time.monotonic())
        order += [key for key in client.answers if key not in before]
    expect({key: body for key, (_, _, body) in client.answers.items()} ==
           {**{f"c{i}": str(i).encode() for i in range(20)}, "cslow": b"first"},
           "many requests in flight; each answer comes back by correlation_id")
    expect(order and order[-1] == "cslow", "a slow answer does not hold up the quick ones")
    client.answers.clear()


def check_lost_answer(client, node):
    client.channel.basic_publish(client.exchange, "echo", b"to nowhere", properties=pika.
                                 BasicProperties(content_type="text/plain",
                                                 reply_to="no-such-queue-for-bossa"))
    deadline = time.monotonic() + 5
    counts = node.counts()
    while counts.get("replies_dropped", 0) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)  # polls the condition, bounded: the broker returns the answer at once
        counts = node.counts()
    expect(counts.get("replies_dropped", 0) == 1,
           f"an answer the broker cannot route is counted as dropped ({counts})")
    expect(counts["unknown_targets"] == 0 and counts["bad_requests"] == 1 and
           counts["timeouts"] == 1 and counts["failed"] == 2,
           "bad bodies, crashes and timeouts are counted")


def check_authorization(client, url, prefix):
    status, body = await_binding(client)
    expect(status == "OK", f"a user in a group reaches the names it may ({status} {body!r})")
    status, _, body = client.call("quote", "application/json; type=outside.lookup",
                                  b'{"sku": "tea", "count": 1}')
    expect(status == "PERMISSION_DENIED" and b"quote" in body,
           "a user in a group is refused other names")
    anonymous = amqp_client.Client(url, prefix)
    anonymous.user = None  # sends no user_id: the broker vouches for nobody
    status, _, body = anonymous.call("echo", "text/plain", b"who am I")
    expect(status == "PERMISSION_DENIED" and b"user_id" in body,
           "with [[authorization]] groups, a request without user_id is refused")
    anonymous.close()


def main():
    node_program = sys.argv[1]
    base = os.environ.get("BOSSA_TEST_AMQP_URL")
    if not base:
        print("skipped: BOSSA_TEST_AMQP_URL is not set")
        sys.exit(SKIP)
    url = base.rstrip("/") + "/%2F"
    prefix = f"bossa-outside-{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="bossa-outside-amqp-") as directory:
        node = RunningNode(node_program, write_config(directory, url, prefix, False))
        client = amqp_client.Client(url, prefix)
        try:
            status, body = await_binding(client)
            expect(status == "OK" and body == b"ready?", f"echo answers ({status} {body!r})")
            check_client(url, prefix)
            check_errors(client)
            check_own_queue(client)
            check_many_in_flight(client)
            check_lost_answer(client, node)
        except TimeoutError as error:
            fail(str(error))
        finally:
            client.close()
            node.stop()

        node = RunningNode(node_program, write_config(directory, url, prefix, True))
        client = amqp_client.Client(url, prefix)
        try:
            check_authorization(client, url, prefix)
        except TimeoutError as error:
            fail(str(error))
        finally:
            client.close()
            node.stop()


if __name__ == "__main__":
    main()
