/* A DMA transfer from L1 to L1: the engine copies between L1 and L2 (and
   L2 -> L2), so it stops the simulation when the transfer starts. */
#include "halyard_rt.h"

static uint8_t a[64] HL_L1_BSS, b[64] HL_L1_BSS;

int main(void) {
    hl_dma_wait(hl_dma_1d(b, a, 64));
    return 0;
}
