/* A kernel that never returns: --max-cycles stops the run and names the
   function and region every core is in. */
#include "halyard_rt.h"

static volatile int forever = 1;

__attribute__((noinline)) static void spin_kernel(void) {
    hl_region_begin("layer.spin");
    while (forever) {
    }
    hl_region_end("layer.spin");
}

int main(void) {
    spin_kernel();
    return 0;
}
