def run():
    return "submodule"
