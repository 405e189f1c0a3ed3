"""The seed's global list in Python: the child fills its copy, the parent's stays empty."""
import multiprocessing

from parex_probe import probe

square_result = []
NUMBERS = [2, 3, 8, 6, 7, 8]


def calc_square(numbers):
    global square_result
    for n in numbers:
        print("square " + str(n * n))
        square_result.append(n * n)
    probe("square_result", square_result)


if __name__ == "__main__":
    probe("square_result", square_result)
    p1 = multiprocessing.Process(target=calc_square, args=(NUMBERS,))
    p1.start()
    p1.join()
    print("result:", str(square_result), flush=True)
    probe("square_result", square_result)
    calc_square(NUMBERS)
    print("results2:", str(square_result), flush=True)
