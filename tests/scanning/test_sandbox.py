"""scanning.sandbox: work run in a child process under a CPU budget, and slots that bound how many at once.

The functions the children run are this module's own: a child imports them by name.
"""

import io
import os
import threading

import pytest
from PIL import Image

from scanning import isolated
from scanning import sandbox
from scanning.photos import ImageRejected


def add_asked(a, b, ask):
    return a + b + ask("how much more?")


def spin(ask):
    while True:
        pass


def refuse(ask):
    raise ImageRejected("image_unreadable", "The image is damaged or cut short.")


def test_the_child_answers_and_may_ask_the_parent():
    questions = []

    def answer(question):
        questions.append(question)
        return 10

    assert sandbox.run(add_asked, 1, 2, cpu_seconds=5, answer=answer) == 13
    assert questions == ["how much more?"]


def test_what_the_child_raises_is_raised_in_the_parent_with_its_code():
    with pytest.raises(ImageRejected) as raised:
        sandbox.run(refuse, cpu_seconds=5)

    assert (raised.value.code, raised.value.message) == ("image_unreadable", "The image is damaged or cut short.")


def test_a_child_past_its_cpu_budget_is_stopped():
    with pytest.raises(sandbox.OverBudget) as over:
        # However busy the machine, the child gets its second of CPU before the parent gives up waiting.
        sandbox.run(spin, cpu_seconds=1, wall_seconds=600)

    assert over.value.cpu_seconds == 1


def test_a_child_that_gets_no_cpu_in_time_is_busy():
    with pytest.raises(sandbox.Busy):
        sandbox.run(spin, cpu_seconds=60, wall_seconds=0.5)


def test_a_label_is_read_in_a_child_as_in_the_process(make_label, plate, as_bytes):
    data = as_bytes(make_label(), "PNG")

    read = sandbox.run(isolated.read_label, data, 4096 * 4096, 4096, cpu_seconds=30, wall_seconds=600, answer=bool)

    assert set(read.barcodes) == plate.barcodes
    assert (read.width, read.height) == Image.open(io.BytesIO(data)).size
    assert len(read.fingerprint.sha256) == 64


def test_slots_let_count_holders_in_and_the_next_waits_or_is_busy(tmp_path):
    slots = sandbox.Slots(tmp_path, 2)
    with slots.hold(0, retry_after=3) as first, slots.hold(0, retry_after=3) as second:
        assert {first, second} == {0, 1}
        with pytest.raises(sandbox.Busy) as busy, slots.hold(0, retry_after=3):
            pass
        assert busy.value.retry_after == 3
    with slots.hold(0, retry_after=3) as again:
        assert again in (0, 1)


def test_a_slot_freed_while_waiting_is_taken(tmp_path):
    slots = sandbox.Slots(tmp_path, 1)
    held = threading.Event()
    release = threading.Event()

    def holder():
        with slots.hold(0, retry_after=1):
            held.set()
            release.wait()

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait()
    release.set()
    with slots.hold(60, retry_after=1) as number:
        assert number == 0
    thread.join()


def test_when_every_place_to_wait_is_taken_the_next_caller_is_told_at_once(tmp_path, monkeypatch):
    """A caller waiting holds a web worker: past ``waiting`` of them, the next does not wait at all."""
    slots = sandbox.Slots(tmp_path, 1, waiting=1)

    def waited(seconds):
        raise AssertionError("the caller waited")

    with slots.hold(0, retry_after=2):
        another = sandbox.Slots(tmp_path, 1, waiting=1)._take("waiting", 1)  # another worker, waiting its turn
        monkeypatch.setattr(sandbox.time, "sleep", waited)
        with pytest.raises(sandbox.Busy), slots.hold(600, retry_after=2):
            pass
        os.close(another[0])


def crash(ask):
    os.abort()


def unpicklable(ask):
    return lambda: None


def test_a_child_that_dies_without_an_answer_failed_and_one_whose_answer_cannot_travel_is_our_fault():
    with pytest.raises(sandbox.ChildFailed):
        sandbox.run(crash, cpu_seconds=5, wall_seconds=600)
    with pytest.raises(RuntimeError, match="could not be sent back") as raised:
        sandbox.run(unpicklable, cpu_seconds=5, wall_seconds=600)
    assert not isinstance(raised.value, sandbox.ChildFailed)
