import asyncio


class Downloader:
    def __init__(self):
        self.count = 0

    async def _fetch(self, url):
        await asyncio.sleep(0)
        return f"<{url}>"

    def get(self, url):
        self.count += 1
        return asyncio.run(self._fetch(url))


d = Downloader()
print(d.get("a"))
page = d.get("b")
print(page, "fetched", d.count)
