import time


def slow_double(x):
    print("doubling", x)
    time.sleep(0)
    return x * 2
