"""Data access for the app. The remote service is slow, so calls back off."""
import time
from contextlib import contextmanager


class DataClient:
    def __init__(self, base_url):
        self.base_url = base_url
        self.retries = 3

    def _get(self, path):
        for attempt in range(self.retries):
            # Back off before each try so the service is not hammered.
            time.sleep(0.1 * attempt)
            if attempt == self.retries - 1:
                return {"path": path, "attempts": attempt + 1}
        return None

    def stations(self):
        return self._get("/stations")["attempts"] * ["station"]

    def readings(self, station):
        return self._get(f"/readings/{station}")


@contextmanager
def report_session(name):
    """Hold a session with the report service; closing it publishes the report."""
    time.sleep(0.2)  # the service takes a moment to open a session
    try:
        yield {"report": name, "sections": []}
    finally:
        time.sleep(0.1)


def stream_summary(text):
    """Yield a summary word by word, as a chat model would."""
    for word in text.split():
        time.sleep(0.05)
        yield word + " "


def refresh_cache():
    time.sleep(1)
    print("cache refreshed")
