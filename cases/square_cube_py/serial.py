import time

from square_cube import NUMBERS, calc_cube, calc_square

if __name__ == "__main__":
    t1 = time.time()
    calc_square(NUMBERS)
    calc_cube(NUMBERS)
    print("Serial processing took:", time.time() - t1)
