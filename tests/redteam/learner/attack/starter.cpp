// Handed out: prints nothing yet (a learner's attack replaces it).
int main() {}
