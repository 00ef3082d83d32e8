/* A DMA transfer whose destination runs past the end of L1 stops the run
   naming the transfer's fields and the core that issued it. */
#include "halyard_rt.h"

static uint8_t src[256];

int main(void) {
    uint8_t *dst = (uint8_t *)(HALYARD_L1_BASE + HALYARD_L1_SIZE - 128);
    hl_dma_wait(hl_dma_1d(dst, src, sizeof src));
    return 0;
}
