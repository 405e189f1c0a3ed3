"""Hang: pool workers waiting for input that the parent sends only after map() returns.

Each worker takes its input from a queue; the parent means to fill the queue, but pool.map()
returns only when every worker has returned, so the parent never gets to the put() below. One
worker blocks reading the queue's pipe (whose write end the parent holds), the other waits for the
queue's read lock that the first holds, and the parent waits in map() for their results: a cycle
through the pool. The fix: fill the queue before map(), or pass the inputs to map() itself.
"""
import multiprocessing

tasks = None  # the queue, inherited by each worker through the pool's initializer


def share(queue):
    global tasks
    tasks = queue


def square_next(_):
    n = tasks.get()  # blocks here: nothing is in the queue yet
    return n * n


if __name__ == "__main__":
    queue = multiprocessing.Queue()
    pool = multiprocessing.Pool(2, initializer=share, initargs=(queue,))
    results = pool.map(square_next, range(4))  # blocks here, waiting for the workers
    for n in range(4):
        queue.put(n)  # too late: never reached
    pool.close()
    pool.join()
    print(results)
