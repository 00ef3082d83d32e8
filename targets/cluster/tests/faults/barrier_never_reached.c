/* Core 1 never reaches the barrier at the end of the fork: the others wait
   there until --barrier-timeout, and the message says where core 1 is. */
#include "halyard_rt.h"

static volatile int forever = 1;

__attribute__((noinline)) static void spin_forever(void) {
    while (forever) {
    }
}

static void task(void *arg) {
    (void)arg;
    if (hl_core_id() == 1) spin_forever();
}

int main(void) {
    hl_fork(HALYARD_CORES, task, 0);
    return 0;
}
