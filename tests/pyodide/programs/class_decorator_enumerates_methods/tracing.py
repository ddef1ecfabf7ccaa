import functools


def traced(cls):
    for name, fn in list(vars(cls).items()):
        if callable(fn) and not name.startswith("_"):
            setattr(cls, name, _wrap(fn))
    return cls


def _wrap(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        print("->", fn.__name__)
        out = fn(*args, **kwargs)
        print("<-", fn.__name__)
        return out

    return wrapper
