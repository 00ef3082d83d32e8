/* A 2D DMA transfer into L1 the program never allocated (the free heap):
   the memory guard stops it when it starts. */
#include "halyard_rt.h"

static uint8_t src[4 * 64];

int main(void) {
    uint8_t *tile = hl_l1_alloc(128);  /* room for 2 rows of 64, the transfer writes 4 */
    hl_dma_wait(hl_dma_2d(tile, src, 64, 4, 64, 64));
    return 0;
}
