from .impl import afetch, fetch

__all__ = ["afetch", "fetch"]
