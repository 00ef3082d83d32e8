/* Core 2 recurses until its stack pointer leaves its stack (stack.size
   bytes) and would write into core 3's: the guard stops it first. */
#include "halyard_rt.h"

__attribute__((noinline)) static int recurse(volatile int depth) {
    volatile char frame[64];
    frame[0] = (char)depth;
    return depth > 100000 ? frame[0] : recurse(depth + 1) + frame[0];
}

static volatile int result;

static void task(void *arg) {
    (void)arg;
    if (hl_core_id() == 2) result = recurse(0);
}

int main(void) {
    hl_fork(HALYARD_CORES, task, 0);
    return result;
}
