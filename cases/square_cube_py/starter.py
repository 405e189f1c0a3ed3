import multiprocessing
import time

from square_cube import NUMBERS, calc_cube, calc_square

if __name__ == "__main__":
    t1 = time.time()
    # Implement your code here: run calc_square(NUMBERS) and calc_cube(NUMBERS) in two
    # multiprocessing.Process objects at the same time. Until you do, they run one after the other:
    calc_square(NUMBERS)
    calc_cube(NUMBERS)
    print("Multiprocessing took:", time.time() - t1)
