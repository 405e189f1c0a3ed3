"""Hang: a pipe whose write end is still open in its own reader.

The worker reads lines until EOF, but it never closed the write end it inherited from fork(); EOF
comes only once every write end is closed, so after the parent's three lines and close() the worker
blocks in read() on the pipe, held open for writing by itself alone, and the parent blocks in
os.waitpid() (wait4) for it.
"""
import os

if __name__ == "__main__":
    r, w = os.pipe()
    worker = os.fork()
    if worker == 0:
        # The fix: os.close(w) here, before reading.
        with os.fdopen(r) as lines:
            for line in lines:  # blocks here, in read()
                print("worker got:", line, end="", flush=True)
        os._exit(0)  # never reached
    os.close(r)
    for line in ("one\n", "two\n", "three\n"):
        os.write(w, line.encode())
    os.close(w)  # the parent's write end only: the worker still holds its own
    os.waitpid(worker, 0)  # blocks here
    print("worker done")
