#include "cli.hpp"

int main(int argc, char** argv) { return parex::run_cli(argc, argv); }
