// THE REFERENCE: a hidden variant's source, which no run may read.
#include <cstdio>

int main() { std::puts("reference"); }
