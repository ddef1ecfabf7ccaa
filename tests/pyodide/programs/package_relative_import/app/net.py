import time


def request(path):
    print("request", path)
    time.sleep(0)
    return f"200 {path}"
