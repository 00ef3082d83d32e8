/* The training run of halyard-sim's profile-guided build (HALYARD_SIM_PGO):
   what generated kernels make the model do, in a few hundred thousand
   cycles. Every core runs a double-buffered tile loop: DMA L2 -> L1 per tile
   (waits sleep on the DMA event), int8 dot products with Xpulp sdot and
   post-increment loads on L1 (some bank conflicts), a multiply, a division,
   L2 loads and stores, a barrier per tile; core 0 prints the result.
   Only the simulator's speed depends on it, never a cycle count. */
#include "halyard_rt.h"
#include "halyard_xpulp.h"

#define TILE 512
#define TILES 6
static uint8_t src_l2[HALYARD_CORES][TILES * TILE] __attribute__((aligned(8)));
static uint8_t buf_l1[HALYARD_CORES][2][TILE] HL_L1_BSS __attribute__((aligned(8)));
static volatile uint32_t sums[HALYARD_CORES];

static void work(void *arg) {
    (void)arg;
    const unsigned me = hl_core_id();
    uint32_t s = me, q = 0;
    for (unsigned i = 0; i < TILES * TILE; i += 4) *(uint32_t *)&src_l2[me][i] = i * 2654435761u + me;
    unsigned id = hl_dma_1d(buf_l1[me][0], src_l2[me], TILE);
    for (unsigned t = 0; t < TILES; t++) {
        hl_dma_wait(id);
        if (t + 1 < TILES) id = hl_dma_1d(buf_l1[me][(t + 1) & 1], src_l2[me] + (t + 1) * TILE, TILE);
        const uint32_t *p = (const uint32_t *)buf_l1[me][t & 1];
        for (unsigned r = 0; r < 40; r++) {
            for (unsigned i = 0; i < TILE / 4; i += 4) {
                s = (uint32_t)hl_sdotsp_b((int32_t)s, p[i], p[i + 1]);
                s += p[i + 2] * p[i + 3];
            }
            q += s / (r + 3);
        }
        sums[me] = s + q;  /* an L2 store */
        hl_barrier();
    }
}

int main(void) {
    hl_fork(0, work, 0);
    uint32_t all = 0;
    for (unsigned c = 0; c < HALYARD_CORES; c++) all ^= sums[c];
    hl_printf("pgo_train: %lx\n", all);
    return 0;
}
