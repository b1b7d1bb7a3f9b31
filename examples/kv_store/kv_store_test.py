#!/usr/bin/python3
"""kv_node as its README runs it: three nodes on loopback, a client calling "kv" through a
gateway with JSON, then a kill -9 of the node that owns "kv".

    kv_store_test.py KV_NODE

Starts alpha (the store's first owner), then beta and gamma through it, each awaited by the line
it logs. A client (pyzmq, a DEALER with CURVE, on gamma's gateway) puts two keys, reads them and a
key never set, and watches one: a watch is answered at once with a value the client has not seen,
else at the key's next put. Kills the owner with SIGKILL, and checks that a replica takes the
name, that the values put before are read from it, and that the watch the dead owner held, asked
again, hears of the next put. Every wait is bounded; the children are killed at the end, also on
failure. Exits non-zero with the reason on failure. Needs Debian's python3-zmq.
"""
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import zmq

WAIT = 20  # seconds, for any one line or answer
HERE = os.path.dirname(os.path.abspath(__file__))


def fail(what):
    raise SystemExit(f"FAILED: {what}")


class Node:
    """A kv_node child whose output lines (log included) a thread of their own reads."""

    def __init__(self, name, args, directory):
        self.name = name
        self.child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, cwd=directory)
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.child.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def find(self, pattern, timeout):
        """The first line so far or within `timeout` s that matches `pattern`, as a match."""
        for line in self.seen:
            if re.search(pattern, line):
                return re.search(pattern, line)
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if line is None:
                fail(f"{self.name} ended before a line like {pattern!r}")
            self.seen.append(line)
            if re.search(pattern, line):
                return re.search(pattern, line)

    def expect(self, pattern, what):
        match = self.find(pattern, WAIT)
        if match is None:
            fail(f"{self.name}: no line like {pattern!r} in {WAIT} s ({what})")
        print(f"ok: {what}")
        return match


class Client:
    """A DEALER on a node's gateway: requests in flight at once, matched by correlation."""

    def __init__(self, endpoint, server_key, public_key, secret_key):
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.curve_serverkey = server_key
        self.socket.curve_publickey = public_key
        self.socket.curve_secretkey = secret_key
        self.socket.linger = 0
        self.socket.connect(endpoint)
        self.next = 0
        self.answers = {}

    def ask(self, kind, body, timeout_ms=WAIT * 1000):
        """Sends request `kind` (kv::Put, ...) with a JSON body; returns its correlation."""
        self.next += 1
        self.socket.send_multipart([str(self.next).encode(), b"", b"kv",
                                    f"application/json; type=kv::{kind}".encode(),
                                    json.dumps(body).encode(), str(timeout_ms).encode()])
        return str(self.next)

    def answer(self, correlation, timeout=WAIT):
        """(status, body) of request `correlation`, waiting at most `timeout` s."""
        deadline = time.monotonic() + timeout
        while correlation not in self.answers:
            left = deadline - time.monotonic()
            if left <= 0 or not self.socket.poll(int(left * 1000)):
                fail(f"no answer to request {correlation} in {timeout} s")
            got, _, status, _, body = self.socket.recv_multipart()
            self.answers[got.decode()] = (status.decode(), body.decode())
        return self.answers.pop(correlation)

    def call(self, kind, body, expected_status="OK"):
        """Asks and waits; the answer's body (JSON-decoded when OK). Retries while the name has
        no holder (a replica takes it a moment after the owner dies)."""
        for _ in range(WAIT * 10):
            status, answer = self.answer(self.ask(kind, body))
            if status == "NOT_FOUND" and "kv" in answer and "not set" not in answer:
                time.sleep(0.1)
                continue
            if status != expected_status:
                fail(f"{kind} {body}: {status}: {answer}")
            return json.loads(answer) if status == "OK" else answer
        fail(f"{kind} {body}: kv had no holder for {WAIT} s")


def key_of(path, which):
    with open(path, encoding="utf-8") as file:
        return re.search(which + r' = "([^"]+)"', file.read()).group(1).encode()


def main():
    kv_node = os.path.abspath(sys.argv[1])
    directory = tempfile.mkdtemp(prefix="bossa-kv-store-")
    nodes = {}
    try:
        shutil.copy(os.path.join(HERE, "kv.toml"), directory)
        os.mkdir(os.path.join(directory, "clients"))
        for key in ("kv.key", "clients/test"):
            subprocess.run([kv_node, "keygen", key], cwd=directory, check=True, timeout=WAIT,
                           stdout=subprocess.DEVNULL)
        start = [kv_node, "--config", "kv.toml", "--name"]
        up = r"is up at (tcp://127\.0\.0\.1:\d+); gateway at (tcp://127\.0\.0\.1:\d+)"

        nodes["alpha"] = Node("alpha", start + ["alpha"], directory)
        seed = nodes["alpha"].expect(up, "alpha is up").group(1)
        for name in ("beta", "gamma"):
            nodes[name] = Node(name, start + [name, "--seeds", seed], directory)
        nodes["alpha"].expect("owns kv", "alpha owns kv")
        for name in ("beta", "gamma"):
            nodes[name].expect("replicates kv", f"{name} replicates kv")

        gateway = nodes["gamma"].expect(up, "gamma's gateway").group(2)
        client = Client(gateway, key_of(os.path.join(directory, "kv.key.pub"), "public_key"),
                         key_of(os.path.join(directory, "clients/test.pub"), "public_key"),
                         key_of(os.path.join(directory, "clients/test"), "secret_key"))
        for key, value in (("colour", "green"), ("size", "large")):
            if client.call("Put", {"key": key, "value": value}) != "ok":
                fail(f"put {key} was not answered ok")
        print("ok: two puts answered")
        if client.call("Get", {"key": "colour"}) != "green":
            fail("get colour did not read green")
        if "weight is not set" not in client.call("Get", {"key": "weight"}, "NOT_FOUND"):
            fail("get of a key never set did not say so")
        print("ok: gets read the puts, and a key never set is NOT_FOUND")
        if client.call("Watch", {"key": "colour", "seen": ""}) != "green":
            fail("a watch did not answer at once with a value the client had not seen")
        watch = client.ask("Watch", {"key": "colour", "seen": "green"})
        client.call("Put", {"key": "colour", "value": "blue"})
        if client.answer(watch) != ("OK", '"blue"'):
            fail("the watch did not hear of the put")
        print("ok: a watch hears of the next put")

        watch = client.ask("Watch", {"key": "colour", "seen": "blue"})  # held by alpha
        nodes["alpha"].child.kill()  # SIGKILL: no goodbye, the others find it silent
        nodes["alpha"].child.wait(timeout=WAIT)
        status, answer = client.answer(watch)
        if status == "OK":
            fail(f"the dead owner's watch was answered: {answer}")
        print(f"ok: the watch alpha held ends with {status}")
        new_owner = None
        for _ in range(WAIT * 10):
            new_owner = next((n for n in ("beta", "gamma") if nodes[n].find("owns kv", 0.05)),
                             None)
            if new_owner:
                break
        if new_owner is None:
            fail(f"nobody took kv within {WAIT} s of alpha's kill -9")
        print(f"ok: {new_owner} owns kv after alpha was killed")
        if (client.call("Get", {"key": "colour"}), client.call("Get", {"key": "size"})) != (
                "blue", "large"):
            fail(f"{new_owner} lost what was put before the kill")
        print(f"ok: {new_owner} reads what was put before the kill")
        watch = client.ask("Watch", {"key": "colour", "seen": "blue"})
        client.call("Put", {"key": "colour", "value": "red"})
        if client.answer(watch) != ("OK", '"red"'):
            fail("the watch asked again did not hear of the put after the failover")
        print(f"ok: a watch asked again of {new_owner} hears of the next put")

        for name in ("beta", "gamma"):
            nodes[name].child.send_signal(signal.SIGTERM)
            if nodes[name].child.wait(timeout=WAIT) != 0:
                fail(f"{name} did not stop cleanly on SIGTERM")
        print("kv_store: ok")
    finally:
        for node in nodes.values():
            if node.child.poll() is None:
                node.child.kill()
                node.child.wait()
        if sys.exc_info()[0] is not None:
            for node in nodes.values():
                sys.stderr.write(f"--- {node.name}\n" + "\n".join(node.seen[-40:]) + "\n")
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
