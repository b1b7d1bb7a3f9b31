#!/usr/bin/python3
"""The outside-clients example against a real node: starts bossa-outside-node with a CURVE
gateway on a kernel-picked loopback port, runs the Python and C++ clients, then the error cases
(unknown name, a key not allowed the name, an actor that crashes, a timeout, a malformed body),
a DEALER client with requests in flight at once and a client that leaves before its answer; then
reads the gateway's counts from the node's metrics.

    outside_test.py NODE_PROGRAM CPP_CLIENT

Every wait is bounded (sockets: 5 s; processes: 20 s). Exits non-zero with the reason on failure.
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

import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import client  # noqa: E402  (the example client's helpers)

WAIT = 20  # seconds, for a process


def fail(what):
    sys.exit(f"FAILED: {what}")


def expect(condition, what):
    if not condition:
        fail(what)
    print(f"ok: {what}")


def write_config(directory, full_key, limited_key):
    path = os.path.join(directory, "outside.toml")
    with open(path, "w", encoding="utf-8") as config:
        config.write(f"""[node]
name = "outside"
workers = 2
[transport]
listen = "tcp://127.0.0.1:*"
key_file = "node.key"
[gateway]
listen = "tcp://127.0.0.1:*"
clients = ["{full_key}"]
timeout = "3s"
[[authorization]]
keys = ["{limited_key}"]
allow = ["request:echo"]
""")
    return path


def start_node(program, config):
    node = subprocess.Popen([program, "--config", config, "--log_level=warning",
                             "--metrics_port=-1"], stdout=subprocess.PIPE, text=True)
    line = node.stdout.readline()
    match = re.search(r"gateway at (tcp://127\.0\.0\.1:[0-9]+); metrics at (http://\S+)", line)
    if match is None:
        node.kill()
        fail(f"the node did not report its gateway and metrics: {line!r}")
    return node, match.group(1), match.group(2)


def gateway_counts(metrics_url):
    """The node's bossa_gateway_* counters, by name without prefix and suffix."""
    with urllib.request.urlopen(metrics_url, timeout=5) as response:
        text = response.read().decode()
    found = re.findall(r"^bossa_gateway_(\w+)_total\{[^}]*\} (\d+)$", text, re.MULTILINE)
    return {name: int(value) for name, value in found}


def check_counts(metrics_url):
    deadline = time.monotonic() + 5
    counts = gateway_counts(metrics_url)
    while counts.get("replies_dropped", 0) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)  # polls the condition, bounded: the answer is due 2 s after its request
        counts = gateway_counts(metrics_url)
    expect(counts.get("replies_dropped", 0) == 1,
           f"the answer for a client that left is dropped and counted ({counts})")
    expect(counts["refused"] == 1 and counts["unknown_targets"] == 1 and
           counts["bad_requests"] == 1 and counts["timeouts"] == 1,
           "refusals, unknown names, bad bodies and timeouts are counted")


def check_clients(endpoint, server_key, full, cpp_client):
    run = subprocess.run([sys.executable, os.path.join(HERE, "client.py"), endpoint, server_key,
                          full[0].decode(), full[1].decode()],
                         capture_output=True, text=True, timeout=WAIT, check=False)
    expect(run.returncode == 0 and run.stdout.splitlines() == [
        "application/json; type=outside.quote",
        '{"count": 3, "sku": "tea", "total_cents": 1350}'], "the Python client gets a JSON quote")
    run = subprocess.run([cpp_client, endpoint, server_key, full[0].decode(), full[1].decode()],
                         capture_output=True, text=True, timeout=WAIT, check=False)
    expect(run.returncode == 0 and run.stdout.splitlines() == ["OK text/plain", "hello from C++"],
           f"the C++ client gets its echo ({run.stdout!r} {run.stderr!r})")


def check_errors(context, endpoint, server_key, full, limited):
    req = client.connect(context, zmq.REQ, endpoint, server_key, *full)
    status, _, body = client.call(req, "nobody", "text/plain", b"hi")
    expect(status == "NOT_FOUND" and b"nobody" in body, "an unknown name is NOT_FOUND")
    status, _, body = client.call(req, "crash", "text/plain", b"boom")
    expect(status == "ABORTED" and b"stopped while handling" in body,
           "an actor that crashes fails the request (ABORTED)")
    status, _, body = client.call(req, "slow", "text/plain", b"late", timeout_ms=200)
    expect(status == "DEADLINE_EXCEEDED", "a request past its timeout is DEADLINE_EXCEEDED")
    status, _, body = client.call(req, "quote", "application/json; type=outside.lookup",
                                  b'{"sku": "tea", "cuont": 1}')
    expect(status == "INVALID_ARGUMENT" and b"cuont" in body,
           "a body that does not fit its type is INVALID_ARGUMENT, naming the field")
    status, reply_type, body = client.call(req, "echo", "application/json", b"41")
    expect((status, reply_type, body) == ("OK", "application/json; type=int64", b"41"),
           "JSON without a type is taken by its kind")
    req.close()

    req = client.connect(context, zmq.REQ, endpoint, server_key, *limited)
    status, _, body = client.call(req, "echo", "text/plain", b"allowed")
    expect(status == "OK" and body == b"allowed", "a key in a group reaches the names it may")
    status, _, body = client.call(req, "quote", "application/json; type=outside.lookup",
                                  b'{"sku": "tea", "count": 1}')
    expect(status == "PERMISSION_DENIED", "a key in a group is refused other names")
    req.close()


def leave_early(context, endpoint, server_key, full):
    req = client.connect(context, zmq.REQ, endpoint, server_key, *full)
    expect(client.call(req, "echo", "text/plain", b"here")[0] == "OK", "a client that will leave")
    req.send_multipart([b"slow", b"text/plain", b"nobody will read this"])
    req.close(linger=2000)  # the request still goes out; then the connection closes


def check_pipelining(context, endpoint, server_key, full):
    dealer = client.connect(context, zmq.DEALER, endpoint, server_key, *full)
    dealer.send_multipart([b"slow-1", b"", b"slow", b"text/plain", b"first"])
    for i in range(20):
        dealer.send_multipart([str(i).encode(), b"", b"echo", b"text/plain", str(i).encode()])
    answers = {}
    for _ in range(21):
        correlation, empty, status, _, body = dealer.recv_multipart()
        expect_frames = empty == b"" and status == b"OK"
        if not expect_frames:
            fail(f"a DEALER reply is [correlation] [] [OK] ...: {correlation!r} {status!r}")
        answers[correlation] = body
    expect(answers == {**{str(i).encode(): str(i).encode() for i in range(20)},
                       b"slow-1": b"first"},
           "a DEALER client has many requests in flight; each answer comes back by correlation")
    expect(list(answers)[-1] == b"slow-1", "a slow answer does not hold up the quick ones")
    dealer.close()


def main():
    node_program, cpp_client = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="bossa-outside-") as directory:
        server_key = subprocess.run([node_program, "keygen", os.path.join(directory, "node.key")],
                                    capture_output=True, text=True, timeout=WAIT,
                                    check=True).stdout.strip()
        full, limited = zmq.curve_keypair(), zmq.curve_keypair()
        config = write_config(directory, full[0].decode(), limited[0].decode())
        node, endpoint, metrics_url = start_node(node_program, config)
        context = zmq.Context()
        try:
            check_clients(endpoint, server_key, full, cpp_client)
            check_errors(context, endpoint, server_key.encode(), full, limited)
            leave_early(context, endpoint, server_key.encode(), full)
            check_pipelining(context, endpoint, server_key.encode(), full)
            check_counts(metrics_url)
        except zmq.Again:
            fail("no answer within 5 s")
        finally:
            context.destroy(linger=0)
            node.send_signal(signal.SIGTERM)
            try:
                node.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                node.kill()
                fail("the node did not stop on SIGTERM")
        expect(node.returncode == 0, "the node stops cleanly")


if __name__ == "__main__":
    main()
