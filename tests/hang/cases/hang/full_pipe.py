"""Hang: joining a writer before reading what it writes.

The child sends 1 MiB through a multiprocessing.Pipe (an OS pipe that holds 64 KiB), so its write
blocks until someone reads; the parent joins the child (wait4) before it receives anything. The
parent waits for the child to exit, the child for the pipe's reader, which is the parent: a cycle.
The same happens with a multiprocessing.Queue, whose feeder thread writes into a pipe.
"""
import multiprocessing


def produce(conn):
    conn.send_bytes(b"x" * (1 << 20))  # blocks once the pipe is full
    conn.close()


if __name__ == "__main__":
    receiver, sender = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.Process(target=produce, args=(sender,))
    child.start()
    sender.close()
    child.join()  # blocks here: the fix is to receive first, then join
    print("received", len(receiver.recv_bytes()), "bytes")
