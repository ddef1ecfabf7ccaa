import time


def save(item):
    print("saved", item)
    time.sleep(0)
