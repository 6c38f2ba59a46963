"""The compute lane: every llama.cpp decode of the process on one OS thread (model/compute.py)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from model.compute import run_on_compute_thread


def test_calls_from_many_threads_run_on_one_thread():
    with ThreadPoolExecutor(max_workers=4) as callers:
        idents = set(callers.map(lambda _: run_on_compute_thread(threading.get_ident), range(32)))
    assert len(idents) == 1
    assert threading.get_ident() not in idents


def test_result_and_arguments_pass_through():
    assert run_on_compute_thread(pow, 2, 10) == 1024


def test_exception_reaches_the_caller():
    def fail():
        raise ValueError("bad batch")

    with pytest.raises(ValueError, match="bad batch"):
        run_on_compute_thread(fail)


def test_nested_call_runs_inline_instead_of_deadlocking():
    assert run_on_compute_thread(lambda: run_on_compute_thread(threading.get_ident)) == run_on_compute_thread(
        threading.get_ident
    )
