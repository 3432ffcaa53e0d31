"""The race harness: work started at one moment from threads of its own, what each did brought back.

``together(functions)`` calls every function from a thread of its own; the threads wait at a barrier until all
have started and then go at once. With ``app``, each runs inside an app context of its own, so a session and a
connection of its own, and commits at its end. ``send_together(app, requests)`` is the same for HTTP requests,
each through a test client of its own (a test client's request has an app context of its own anyway).

Before the racers start, the test's own session is committed, so that it holds no transaction (and no lock)
while they work and they see what the test wrote. What a thread returns comes back in order; an exception in a
thread is raised in the test's thread (the first, in order); a thread still running after ``timeout`` seconds
fails the test rather than hanging it.

``start`` runs one function in the background, its result and exception brought back the same way, for what a
barrier does not describe: a request sent while the test holds a lock or a transaction open, a reader following
writers. ``rendezvous`` lets code under test stop until every racer has reached the same line.

Races are proven on PostgreSQL with real concurrent connections; on SQLite the second writer waits for the
first.
"""

import threading
import time

from flask import has_app_context

from server.extensions import db

TIMEOUT = 60  # seconds: a bound on a hang, never a wait
BARRIER_TIMEOUT = 10


class Running:
    """A function running in a thread of its own; ``result()`` waits for it and gives what it returned."""

    def __init__(self, function, app=None, name=None, before=None):
        self.function = function
        self.app = app
        self.before = before
        self.value = None
        self.error = None
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self):
        try:
            if self.before is not None:
                self.before()
            if self.app is None:
                self.value = self.function()
                return
            with self.app.app_context():
                self.value = self.function()
                db.session.commit()
        except BaseException as error:  # raised in the test's thread by ``result``
            self.error = error

    def result(self, timeout=TIMEOUT):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"{self.thread.name} still running after {timeout} s"
        if self.error is not None:
            raise self.error
        return self.value


def _settle_the_tests_session():
    """The test's own session holds no transaction while the threads work, and they see what it wrote."""
    if has_app_context():
        db.session.commit()


def start(function, app=None, name=None):
    """Run ``function`` in a thread of its own (in an app context of its own with ``app``) now; ``Running``.

    The test's session is left as it is: a test may hold a transaction open on purpose while another
    connection works (commit first otherwise).
    """
    running = Running(function, app, name)
    running.thread.start()
    return running


def together(functions, app=None, timeout=TIMEOUT, names=None):
    """Call each of ``functions`` from a thread of its own, all released at once; what each returned, in order.

    ``names``: the threads' names, for code under test that tells them apart.
    """
    functions = list(functions)
    barrier = threading.Barrier(len(functions))

    def wait():
        try:
            barrier.wait(BARRIER_TIMEOUT)
        except BaseException:
            barrier.abort()  # the others need not wait out the timeout
            raise

    _settle_the_tests_session()
    names = names or [f"racer-{index}" for index in range(len(functions))]
    racers = [Running(function, app, name, before=wait) for function, name in zip(functions, names, strict=True)]
    for racer in racers:
        racer.thread.start()
    deadline = time.monotonic() + timeout
    for racer in racers:
        racer.thread.join(max(0.0, deadline - time.monotonic()))
    assert not any(racer.thread.is_alive() for racer in racers), f"a racer still running after {timeout} s"
    for racer in racers:
        if racer.error is not None:
            raise racer.error
    return [racer.value for racer in racers]


def send(client, request):
    """``(status, json)`` of ``request`` through ``client``: ``(method, path, json, headers)``, or a dict of the
    test client's ``open`` arguments (``method``, ``path``, ``data``, ``content_type``, ``headers``…)."""
    if isinstance(request, dict):
        response = client.open(**request)
    else:
        method, path, json, headers = request
        response = client.open(path, method=method, json=json, headers=headers)
    return response.status_code, response.get_json()


def send_together(app, requests, timeout=TIMEOUT):
    """Send each request (as ``send`` takes it) from a test client of its own, all at once; ``[(status, json)]``.

    A request may also be a list of them, sent one after another by its thread: ``[(status, json), …]`` then.
    """

    def sender(request):
        def run():
            client = app.test_client()
            if isinstance(request, list):
                return [send(client, one) for one in request]
            return send(client, request)

        return run

    return together([sender(request) for request in requests], timeout=timeout)


def rendezvous(parties, timeout=BARRIER_TIMEOUT):
    """``meet()``: blocks until ``parties`` threads have called it, then lets them all go on."""
    barrier = threading.Barrier(parties)

    def meet():
        barrier.wait(timeout)

    return meet
