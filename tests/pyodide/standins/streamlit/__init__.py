"""A tiny stand-in for Streamlit, used only by the Pyodide test suite.

It is the *library*, not part of the projects under test: awaitify never
transforms it.  It mimics the one property of stlite's Streamlit that matters
here: on Pyodide (``sys.platform == "emscripten"``) the calls that must be
awaited are coroutine functions, while on CPython they are ordinary blocking
functions.

On Pyodide                         On CPython
---------------------------------  ---------------------------------
``await write_stream(stream)``     ``write_stream(stream)``
``await navigation(pages).run()``  ``navigation(pages).run()``

So an original script that calls ``st.write_stream(...)`` or
``st.navigation([...]).run()`` without ``await`` works on CPython, but on
Pyodide it only creates a coroutine that is never run: nothing is streamed,
no page runs, and Python warns "coroutine ... was never awaited".

API (a small subset of Streamlit's):

* ``write(*args)``            prints its arguments (like ``print``).
* ``title(text)``             prints ``# text``.
* ``write_stream(stream)``    prints each chunk of ``stream`` on its own line
                              and returns the chunks joined; a callable is
                              called first, as Streamlit does.  On Pyodide it
                              also accepts an async iterable (stlite's
                              coroutine ``write_stream`` iterates it with
                              ``async for``).
* ``Page(page, title=None)``  a page: a function, or the path of a script
                              (relative to the current directory).  On
                              Pyodide a script page may use top-level await,
                              and a function page may be a coroutine function.
* ``navigation(pages)``       returns the selected page (always the first
                              one); call ``.run()`` on it to run the page.
* ``session_state``           a dict whose keys are also attributes, as
                              Streamlit's ``st.session_state`` is.
"""

import ast
import inspect
import os
import sys

__all__ = ["Page", "navigation", "session_state", "title", "write", "write_stream"]

ON_PYODIDE = sys.platform == "emscripten"


def write(*args):
    print(*args)


class _SessionState(dict):
    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key, value):
        self[key] = value

    def __delattr__(self, key):
        try:
            del self[key]
        except KeyError:
            raise AttributeError(key) from None


session_state = _SessionState()


def title(text):
    print("#", text)


class Page:
    def __init__(self, page, *, title=None):
        self.page = page
        if title is None:
            title = page if isinstance(page, str) else page.__name__
        self.title = title

    if ON_PYODIDE:

        async def run(self):
            if isinstance(self.page, str):
                code = _compile_script(self.page)
                result = eval(code, _script_globals(self.page))
            else:
                result = self.page()
            if inspect.isawaitable(result):
                await result

    else:

        def run(self):
            if isinstance(self.page, str):
                exec(_compile_script(self.page), _script_globals(self.page))
            else:
                self.page()


def navigation(pages):
    pages = [p if isinstance(p, Page) else Page(p) for p in pages]
    return pages[0]


if ON_PYODIDE:

    async def write_stream(stream):
        if callable(stream):
            stream = stream()
        chunks = []
        if hasattr(stream, "__aiter__"):
            async for chunk in stream:
                chunks.append(_emit(chunk))
        else:
            for chunk in stream:
                chunks.append(_emit(chunk))
        return "".join(chunks)

else:

    def write_stream(stream):
        if callable(stream):
            stream = stream()
        return "".join(_emit(chunk) for chunk in stream)


def _emit(chunk):
    text = str(chunk)
    print(text)
    return text


def _compile_script(path):
    # Like stlite: a page script may use top-level await on Pyodide.
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if ON_PYODIDE else 0
    with open(path, encoding="utf-8") as f:
        source = f.read()
    return compile(source, os.path.abspath(path), "exec", flags=flags, dont_inherit=True)


def _script_globals(path):
    return {"__name__": "__main__", "__file__": os.path.abspath(path)}
