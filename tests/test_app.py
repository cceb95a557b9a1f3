"""`python app.py` as an operator runs it: it stops on SIGTERM even with a studio tab open."""

from __future__ import annotations

import signal

from tests.conftest import start_server


def test_sigterm_stops_the_server_while_a_studio_tab_is_open(tmp_path, models_dir):
    from gradio_client import Client

    proc, base = start_server(tmp_path / "data", models_dir)
    tab = Client(base + "/", verbose=False)  # holds Gradio's heartbeat stream open, as a tab does
    try:
        assert tab.heartbeat.is_alive()
        proc.send_signal(signal.SIGTERM)
        # Without a shutdown grace uvicorn waits for that stream to end, which it never does.
        assert proc.wait(timeout=60) == -signal.SIGTERM  # uvicorn re-raises it once stopped
    finally:
        tab.close()
        if proc.poll() is None:
            proc.kill()
