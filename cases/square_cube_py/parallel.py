import multiprocessing
import time

from square_cube import NUMBERS, calc_cube, calc_square

if __name__ == "__main__":
    t1 = time.time()
    p1 = multiprocessing.Process(target=calc_square, args=(NUMBERS,))
    p2 = multiprocessing.Process(target=calc_cube, args=(NUMBERS,))
    p1.start()
    p2.start()
    p1.join()
    p2.join()
    print("Multiprocessing took:", time.time() - t1)
