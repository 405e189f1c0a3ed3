// Not an attack: a baseline binary other attacks go after.
#include "attacks.hpp"

int main() { std::puts("serial"); }
