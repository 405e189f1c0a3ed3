// pool_map's serial variant itself, on pool_map's work.hpp (its items from the pair's seed).
#include "../../../../cases/pool_map/serial.cpp"
