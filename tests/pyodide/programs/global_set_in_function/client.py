import time


class Client:
    def fetch(self, key):
        time.sleep(0)
        return key.upper()
