/* A store past the end of the last static L2 arena object (into the L2 heap
   nobody allocated). */
#include "halyard_rt.h"

uint32_t last_arena[16] HL_L2_BSS;

__attribute__((noinline)) static void clear(volatile uint32_t *p, unsigned n) {
    for (unsigned i = 0; i < n; i++) p[i] = 0;
}

int main(void) {
    clear(last_arena, 20);
    return 0;
}
