import multiprocessing
import time

from work import task

if __name__ == "__main__":
    t1 = time.time()
    # Each task in a process of its own, with an interpreter and a GIL of its own: the two run at once.
    p1 = multiprocessing.Process(target=task, args=("A",))
    p2 = multiprocessing.Process(target=task, args=("B",))
    p1.start()
    p2.start()
    p1.join()
    p2.join()
    print("Processes took:", time.time() - t1)
