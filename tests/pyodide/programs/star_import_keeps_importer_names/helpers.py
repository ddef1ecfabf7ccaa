import time


def work(i):
    print("work", i)
    time.sleep(0)
    return i
