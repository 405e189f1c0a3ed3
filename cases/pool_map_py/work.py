"""The seed's do_work, shared by the variants of this case."""

ITEMS = 10000


def do_work(n):
    total = 0
    for x in range(1000):
        total += x * x
    return total + n


def checksum(results):
    value = 0
    for i, result in enumerate(results):
        value ^= result * (i + 1)
    return value
