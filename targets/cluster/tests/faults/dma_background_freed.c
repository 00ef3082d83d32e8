/* A background prefetch into L1 the program frees while it is still running:
   a foreground transfer makes it yield, and when it resumes the memory guard
   stops it, naming the part left (the resumed piece). */
#include "halyard_rt.h"

static uint8_t src[16 * 256];
static uint8_t small_l1[64] HL_L1_BSS;

int main(void) {
    uint8_t *tile = hl_l1_alloc(16 * 256);
    unsigned bg = hl_dma_2d_background(tile, src, 256, 16, 256, 256);
    for (volatile int spin = 0; spin < 20; spin++) {
    }
    hl_l1_free_all();  /* the bug: the prefetch still writes there */
    hl_dma_wait(hl_dma_1d(small_l1, src, 64));
    hl_dma_wait(bg);
    return 0;
}
