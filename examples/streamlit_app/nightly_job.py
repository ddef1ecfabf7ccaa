"""A batch job that shares the helpers; it also runs in the browser."""
import asyncio

from helpers import DataClient


async def collect(stations):
    client = DataClient("https://example.invalid/api")
    return [client.readings(station) for station in stations]


def main():
    results = asyncio.run(collect(["north", "south"]))
    print(f"collected {len(results)} readings")


if __name__ == "__main__":
    main()
