import time
from multiprocessing import Pool

from parex_cores import cores
from work import ITEMS, checksum, do_work

if __name__ == "__main__":
    t2 = time.time()
    p = Pool(cores())  # Pool() alone would size itself to os.cpu_count(), the host's CPUs
    result = p.map(do_work, range(ITEMS))
    p.close()  # good practice: no more work...
    p.join()   # ...then wait for the workers to exit
    print("checksum:", checksum(result))
    print("Pool took:", time.time() - t2)
