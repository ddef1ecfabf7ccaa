import asyncio
import time
from dataclasses import dataclass


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


@dataclass
class Row:
    name: str
    size: int


class Store:
    def __init__(self):
        self.rows = []

    def save(self, row):
        self.rows.append(row)
        print("stored", row.name)

    def ingest(self, rows):
        for row in rows:
            self.save(row)


class AuditMixin:
    def save(self, row):
        print("auditing", row.name)
        time.sleep(0)
        super().save(row)


class AuditedStore(AuditMixin, Store):
    pass


def as_records(rows):
    return [dict(r.__dict__) for r in rows]


async def main():
    task = asyncio.ensure_future(ticker(2))
    store = AuditedStore()
    store.ingest([Row("a", 1), Row("b", 2)])
    print(as_records(store.rows))
    await task


asyncio.run(main())
