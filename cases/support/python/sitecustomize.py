"""parex: what a Python program in a graded run gets before it starts. Elsewhere this file does nothing.

A program that hangs shows where (docs/process-control.md, "When a run hangs"): under parex
(PAREX_STACK_SIGNAL set), each process keeps an in-memory file (memfd) and asks faulthandler to
write its threads' Python stacks there on that signal. At a timeout the runner sends it, reads
the file through /proc, and shows the .py line each process was stuck on.

A variant imports only what learners also have (docs/extensions.md): with PAREX_HIDDEN_MODULES
set, importing a hidden variant's module fails with a message naming the rule, not a bare
"No module named". It runs before the program, so it only arms a handler and
puts a finder first on sys.meta_path, which looks at nothing but those names.
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


def _hide_variants():
    hidden = os.environ.get("PAREX_HIDDEN_MODULES")
    if not hidden:
        return
    import sys
    variants = dict(pair.split("=", 1) for pair in hidden.split(",") if "=" in pair)
    importable = [name for name in os.environ.get("PAREX_IMPORTABLE_MODULES", "").split(",") if name]
    try:
        case_dir = os.path.realpath(os.getcwd())  # the run's working folder: the case's, or its own in the sandbox
    except OSError:
        return

    class HiddenVariants:
        """Refuses a hidden variant's module: one no other finder finds (the sandbox leaves it out), or the one
        in the case folder. A module of the same name found elsewhere (the standard library's) is not the variant's."""

        @staticmethod
        def find_spec(name, path=None, target=None):
            if path is not None or name not in variants:
                return None
            for finder in sys.meta_path:
                if finder is HiddenVariants or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is None:
                    continue
                where = spec.origin if spec.has_location else next(iter(spec.submodule_search_locations or []), "")
                if not os.path.realpath(where or "/").startswith(case_dir + os.sep):  # a built-in has no place
                    return None
                break
            variant = variants[name]
            what = f"'{name}' is" if name == variant else f"'{name}' is a module of '{variant}',"
            allowed = ", ".join(importable + ["shared modules"])
            raise ModuleNotFoundError(
                f"parex: {what} a hidden variant (held out from learners: [submission] hidden_variants); "
                f"a variant imports only what learners also have: {allowed}", name=name)

    sys.meta_path.insert(0, HiddenVariants)


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
_hide_variants()
_chain()
del _arm, _hide_variants, _chain
