"""Secrets never reach the log: tokens and API keys are redacted from messages and streams."""

from __future__ import annotations

import io
import logging

from studio.logs import RedactingFormatter, RedactingStream, redact

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIiwianRpIjoiYWJjIn0.8lL40FEh5f-fqGm66i9qg5zy1Wv3AX3J"


def test_tokens_and_keys_are_redacted_and_the_rest_kept():
    text = f'inputs: ["{TOKEN}", "job-1"] key sk_studio_abcdef123456 end'
    assert redact(text) == 'inputs: ["[redacted]", "job-1"] key [redacted] end'


def test_a_traceback_printed_to_the_stream_is_redacted():
    sink = io.StringIO()
    RedactingStream(sink).write(f"ValueError: Received inputs: [{TOKEN!r}]\n")
    assert TOKEN not in sink.getvalue() and "[redacted]" in sink.getvalue()


def test_log_records_are_redacted():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "token=%s", (TOKEN,), None)
    assert RedactingFormatter(fmt="%(message)s").format(record) == "token=[redacted]"
