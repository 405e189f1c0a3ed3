import threading
import time

from work import task

if __name__ == "__main__":
    t1 = time.time()
    # Two threads, one task each: started together, joined together. Yet this is no faster than serial.py.
    # Find out why, then make the two tasks really run at the same time.
    t_a = threading.Thread(target=task, args=("A",))
    t_b = threading.Thread(target=task, args=("B",))
    t_a.start()
    t_b.start()
    t_a.join()
    t_b.join()
    print("Threads took:", time.time() - t1)
