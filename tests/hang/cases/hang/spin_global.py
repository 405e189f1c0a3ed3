"""Hang: spinning on a global that only a child process changed.

The child sets its own copy of `done` and exits; the parent's copy stays False (a process gets a
copy of its parent's memory), so the parent spins in the `while` loop below forever, in user space,
and never joins the child.
"""
import multiprocessing

done = False


def finish():
    global done
    done = True


if __name__ == "__main__":
    child = multiprocessing.Process(target=finish)
    child.start()
    while not done:  # blocks here: spins, never sees the child's write
        pass
    child.join()
