/* For halyard-sim --timeline and the energy report (check_sim_report.cpp):
   named regions on every core (nested in main's), a barrier the cores reach
   at different times (the early ones wait at it), L2 traffic, and two DMA
   transfers of known size (4096 B in, 1000 B out). */
#include "halyard_rt.h"

#define N 4096
static uint8_t src_l2[N] __attribute__((aligned(8)));
static uint8_t back_l2[N] __attribute__((aligned(8)));
static uint8_t buf_l1[N] HL_L1_BSS __attribute__((aligned(8)));
static volatile uint32_t sums[HALYARD_CORES] HL_L1_BSS;

static void work(void *arg) {
    (void)arg;
    const unsigned me = hl_core_id();
    hl_region_begin("work");
    uint32_t s = 0;
    for (unsigned r = 0; r <= me; r++)  /* core c works c+1 rounds: the others wait at the barrier */
        for (unsigned i = 0; i < N; i += 4) s += buf_l1[i] * (i + r);
    for (unsigned i = me; i < N; i += 64) s += src_l2[i];  /* L2 loads */
    sums[me] = s;
    hl_region_end("work");
    hl_barrier();
}

int main(void) {
    hl_region_begin("main");
    for (unsigned i = 0; i < N; i++) src_l2[i] = (uint8_t)(i * 7);
    hl_dma_wait(hl_dma_1d(buf_l1, src_l2, N));
    hl_fork(0, work, 0);
    hl_dma_wait(hl_dma_1d(back_l2, buf_l1, 1000));
    hl_region_end("main");
    for (unsigned i = 0; i < 1000; i++) {
        if (back_l2[i] != (uint8_t)(i * 7)) return 1;
    }
    return 0;
}
