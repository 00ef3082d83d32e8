/* A kernel writes 16 bytes past the 64-byte buffer it was given (from the L1
   heap): the memory guard stops it at the first store past the heap's top,
   naming the function and the region it was in. */
#include "halyard_rt.h"

__attribute__((noinline)) static void fill_rows(volatile uint8_t *out, unsigned n) {
    hl_region_begin("layer.fill");
    for (unsigned i = 0; i < n; i++) out[i] = (uint8_t)i;
    hl_region_end("layer.fill");
}

int main(void) {
    uint8_t *buf = hl_l1_alloc(64);
    fill_rows(buf, 80);
    return 0;
}
