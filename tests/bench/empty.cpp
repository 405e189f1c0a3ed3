// The empty program whose start-up both sides of spawn_bench time.
int main() { return 0; }
