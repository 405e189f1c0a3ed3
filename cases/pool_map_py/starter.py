import time
from multiprocessing import Pool

from work import ITEMS, checksum, do_work

if __name__ == "__main__":
    t2 = time.time()
    # Implement a multiprocess pool here: Pool(cores()) (from parex_cores), map do_work over range(ITEMS). Don't forget the
    # good practice of closing and joining the pool. Until then the work runs serially:
    result = [do_work(n) for n in range(ITEMS)]
    print("checksum:", checksum(result))
    print("Pool took:", time.time() - t2)
