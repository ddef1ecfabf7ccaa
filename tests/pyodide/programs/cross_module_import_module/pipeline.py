import storage


def process(items):
    for item in items:
        storage.save(item.upper())
    return len(items)
