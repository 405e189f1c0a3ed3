"""parex: a Python program that hangs in a graded run shows where (docs/process-control.md, "When a run hangs").

Under parex (PAREX_STACK_SIGNAL set), each process keeps an in-memory file (memfd) and asks
faulthandler to write its threads' Python stacks there on that signal. At a timeout the runner
sends it, reads the file through /proc, and shows the .py line each process was stuck on.
Elsewhere this file does nothing. It runs before the program, so it only arms a handler.
"""
import os


def _arm():
    try:
        import faulthandler
        signum = int(os.environ["PAREX_STACK_SIGNAL"])
    except (KeyError, ValueError, ImportError):
        return
    state = {"fd": -1}

    def arm_here():
        if state["fd"] >= 0:
            os.close(state["fd"])  # the parent's, inherited by fork: each process dumps into its own
        state["fd"] = os.memfd_create(f"parex-python-stack-{os.getpid()}")
        faulthandler.register(signum, file=state["fd"], all_threads=True, chain=False)

    try:
        arm_here()
        os.register_at_fork(after_in_child=arm_here)
    except (AttributeError, OSError, ValueError, RuntimeError):
        pass  # no memfd or no signal here: a hang is then explained without the Python stack


def _chain():
    """Runs the sitecustomize this one shadows (the interpreter's, a venv's), as if it came first."""
    import importlib.util
    import sys
    from importlib.machinery import PathFinder
    here = os.path.dirname(os.path.abspath(__file__))
    spec = PathFinder.find_spec("sitecustomize", [p for p in sys.path if os.path.abspath(p or ".") != here])
    if spec and spec.loader and spec.origin != os.path.abspath(__file__):
        try:
            spec.loader.exec_module(importlib.util.module_from_spec(spec))
        except Exception:  # as when the interpreter runs it: a broken sitecustomize does not stop the program
            pass


_arm()
_chain()
del _arm, _chain
