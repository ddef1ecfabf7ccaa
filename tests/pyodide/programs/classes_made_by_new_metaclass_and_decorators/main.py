import asyncio
import time
from dataclasses import dataclass

REGISTRY = []


def register(cls):
    REGISTRY.append(cls.__name__)
    return cls


def tagged(tag):
    def deco(cls):
        cls.tag = tag
        return cls

    return deco


class Registry:
    _inst = None

    def __new__(cls):
        if cls._inst is None:
            cls._inst = super().__new__(cls)
            cls._inst.items = []
        return cls._inst

    def add(self, x):
        time.sleep(0)
        self.items.append(x)
        return len(self.items)


class Singleton(type):
    _instances = {}

    def __call__(cls, *args, **kwargs):
        if cls not in cls._instances:
            cls._instances[cls] = super().__call__(*args, **kwargs)
        return cls._instances[cls]


class Config(metaclass=Singleton):
    def load(self):
        time.sleep(0)
        return "cfg"


@register
@tagged("w")
class Worker:
    def step(self):
        time.sleep(0)
        return "step " + self.tag


@dataclass
class Point:
    x: int

    def show(self):
        time.sleep(0)
        return "point %d" % self.x


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


async def main():
    task = asyncio.ensure_future(ticker(2))
    print("added", Registry().add("a"))
    print("added", Registry().add("b"), Registry() is Registry())
    print(Config().load(), Config() is Config())
    print(Worker().step(), REGISTRY)
    print(Point(3).show())
    await task


asyncio.run(main())
