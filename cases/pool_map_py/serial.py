import time

from work import ITEMS, checksum, do_work

if __name__ == "__main__":
    t1 = time.time()
    result = [do_work(n) for n in range(ITEMS)]
    print("checksum:", checksum(result))
    print("Serial processing took:", time.time() - t1)
