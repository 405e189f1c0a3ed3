// The reference: what a learner's starter.cpp must print.
#include <cstdio>

int main() { std::puts("done"); }
