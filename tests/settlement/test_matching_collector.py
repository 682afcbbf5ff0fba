"""The garbage collector pause for large documents always puts the collector back as it was."""

import gc
import threading

from settlement.matching.collector import LARGE_DOCUMENT, collector_paused


def test_a_large_document_pauses_the_collector_and_puts_it_back():
    assert gc.isenabled()
    with collector_paused(LARGE_DOCUMENT):
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_small_document_leaves_the_collector_alone():
    with collector_paused(LARGE_DOCUMENT - 1):
        assert gc.isenabled()


def test_the_collector_comes_back_even_when_matching_fails():
    try:
        with collector_paused(LARGE_DOCUMENT):
            raise ValueError("bad input")
    except ValueError:
        pass
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with collector_paused(LARGE_DOCUMENT):
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_pauses_in_threads_turn_the_collector_back_on_only_at_the_end():
    first_inside, second_done, release = threading.Event(), threading.Event(), threading.Event()
    seen = []

    def long_match():
        with collector_paused(LARGE_DOCUMENT):
            first_inside.set()
            release.wait(5)
            seen.append(gc.isenabled())

    def short_match():
        first_inside.wait(5)
        with collector_paused(LARGE_DOCUMENT):
            pass
        seen.append(gc.isenabled())  # the long match is still running: still paused
        second_done.set()

    threads = [threading.Thread(target=long_match), threading.Thread(target=short_match)]
    for thread in threads:
        thread.start()
    second_done.wait(5)
    release.set()
    for thread in threads:
        thread.join(5)

    assert seen == [False, False]
    assert gc.isenabled()
