// Not a race: a thread nobody joins (ThreadSanitizer's "thread leak").
#include <pthread.h>
#include <unistd.h>

void* idle(void*) { return nullptr; }

int main() {
  pthread_t thread;
  pthread_create(&thread, nullptr, idle, nullptr);
  usleep(100000);
}
