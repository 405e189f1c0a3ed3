"""Hang: two processes each reading from the other before writing: a wait-for cycle.

The parent reads the child's reply (pipe B) before sending its request on pipe A; the child reads
the request (pipe A) before replying on pipe B. Each closed the ends it never uses and holds open
the write end the other waits on, so neither read sees data or EOF: the parent blocks in os.read()
on B's read end, the child in os.read() on A's read end.
"""
import os

if __name__ == "__main__":
    a_read, a_write = os.pipe()  # parent -> child
    b_read, b_write = os.pipe()  # child -> parent
    child = os.fork()
    if child == 0:
        os.close(a_write)
        os.close(b_read)
        request = int(os.read(a_read, 64))  # blocks here
        os.write(b_write, str(request * request).encode())
        os._exit(0)
    os.close(a_read)
    os.close(b_write)
    reply = int(os.read(b_read, 64))  # blocks here: the reply before the request
    os.write(a_write, b"7")
    os.waitpid(child, 0)
    print("reply", reply)
