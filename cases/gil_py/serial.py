import time

from work import task

if __name__ == "__main__":
    t1 = time.time()
    task("A")
    task("B")
    print("Serial took:", time.time() - t1)
