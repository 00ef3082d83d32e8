/* DMA: 1D and 2D copies in both directions and L2 -> L2 (dma.l2_to_l2),
   unaligned sizes and offsets,
   several transfers in flight, completion by polling and by event, the
   byte/busy counters, the transfer rate, and a transfer overlapped with
   compute on the cores (which then compete with it for TCDM banks). */
#include "halyard_rt.h"

#define N 4096
static uint8_t src_l2[N] __attribute__((aligned(8)));
static uint8_t dst_l2[N] __attribute__((aligned(8)));
static uint8_t buf_l1[N] HL_L1_BSS __attribute__((aligned(8)));
static int failures;

static void fill(uint8_t *p, unsigned n, unsigned seed) {
    for (unsigned i = 0; i < n; i++) p[i] = (uint8_t)(seed + i * 7 + (i >> 8));
}
static void check(const char *what, const uint8_t *got, const uint8_t *want, unsigned n) {
    for (unsigned i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            hl_printf("FAIL %s: byte %u is %u, want %u\n", what, i, got[i], want[i]);
            failures++;
            return;
        }
    }
}

static volatile uint32_t compute_sum[HALYARD_CORES] HL_L1_BSS;
static uint32_t work_l1[HALYARD_CORES][256] HL_L1_BSS;
static void compute(void *arg) {
    unsigned me = hl_core_id();
    uint32_t s = 0;
    for (int r = 0; r < 8; r++)
        for (int i = 0; i < 256; i++) s += work_l1[me][i] + (uint32_t)i;
    compute_sum[me] = s;
    (void)arg;
}

int main(void) {
    /* 1D L2 -> L1 -> L2 round trip, aligned. */
    fill(src_l2, N, 1);
    unsigned id = hl_dma_1d(buf_l1, src_l2, N);
    hl_dma_wait(id);
    check("1d l2->l1", buf_l1, src_l2, N);
    id = hl_dma_1d(dst_l2, buf_l1, N);
    hl_dma_wait(id);
    check("1d l1->l2", dst_l2, src_l2, N);

    /* Unaligned offsets and odd sizes, every combination of misalignment. */
    for (unsigned so = 0; so < 4; so++) {
        for (unsigned d = 0; d < 4; d++) {
            unsigned len = 37 + so * 5 + d;
            for (unsigned i = 0; i < 64; i++) buf_l1[i] = 0xee;
            id = hl_dma_1d(buf_l1 + d, src_l2 + so, len);
            hl_dma_wait(id);
            check("unaligned l2->l1", buf_l1 + d, src_l2 + so, len);
            if (buf_l1[d + len] != 0xee || (d && buf_l1[d - 1] != 0xee)) {
                hl_printf("FAIL unaligned: wrote outside the destination\n");
                failures++;
            }
            for (unsigned i = 0; i < 64; i++) dst_l2[i] = 0xee;
            id = hl_dma_1d(dst_l2 + so, buf_l1 + d, len);
            hl_dma_wait(id);
            check("unaligned l1->l2", dst_l2 + so, src_l2 + so, len);
            if (dst_l2[so + len] != 0xee) {
                hl_printf("FAIL unaligned l1->l2: wrote past the end\n");
                failures++;
            }
        }
    }

    /* 2D: a 12 x 20 tile out of a 64-wide L2 matrix into a packed L1 tile,
       then back with a different destination stride. */
    fill(src_l2, N, 3);
    id = hl_dma_2d(buf_l1, src_l2 + 64 * 3 + 5, 20, 12, 20, 64);
    hl_dma_wait(id);
    for (unsigned r = 0; r < 12; r++) check("2d l2->l1", buf_l1 + 20 * r, src_l2 + 64 * (3 + r) + 5, 20);
    for (unsigned i = 0; i < 12 * 48; i++) dst_l2[i] = 0;
    id = hl_dma_2d(dst_l2 + 1, buf_l1, 20, 12, 48, 20);
    hl_dma_wait(id);
    for (unsigned r = 0; r < 12; r++) check("2d l1->l2", dst_l2 + 1 + 48 * r, src_l2 + 64 * (3 + r) + 5, 20);

#if HALYARD_DMA_L2_TO_L2
    /* L2 -> L2: every misalignment of source and destination, odd sizes,
       nothing written outside; a 2D copy with distinct strides; and
       hl_copy_by_dma, the path of generated copies between L2 buffers. */
    fill(src_l2, N, 5);
    for (unsigned so = 0; so < 4; so++) {
        for (unsigned d = 0; d < 4; d++) {
            unsigned len = 41 + so * 3 + d;
            for (unsigned i = 0; i < 64; i++) dst_l2[i] = 0xee;
            hl_dma_wait(hl_dma_1d(dst_l2 + d, src_l2 + so, len));
            check("l2->l2", dst_l2 + d, src_l2 + so, len);
            if (dst_l2[d + len] != 0xee || (d && dst_l2[d - 1] != 0xee)) {
                hl_printf("FAIL l2->l2: wrote outside the destination\n");
                failures++;
            }
        }
    }
    for (unsigned i = 0; i < 9 * 40; i++) dst_l2[i] = 0;
    hl_dma_wait(hl_dma_2d(dst_l2 + 3, src_l2 + 64 * 2 + 1, 33, 9, 40, 64));
    for (unsigned r = 0; r < 9; r++) check("2d l2->l2", dst_l2 + 3 + 40 * r, src_l2 + 64 * (2 + r) + 1, 33);
    if (!hl_copy_by_dma(dst_l2 + 1, src_l2 + 2, 515) || hl_copy_by_dma(buf_l1, src_l2, 515) ||
        hl_copy_by_dma(dst_l2, src_l2, HALYARD_DMA_COPY_MIN_BYTES - 1)) {
        hl_printf("FAIL: hl_copy_by_dma takes L2 -> L2 copies of at least dma.copy_min_bytes only\n");
        failures++;
    }
    check("hl_copy_by_dma", dst_l2 + 1, src_l2 + 2, 515);
#endif

    /* Several transfers in flight with distinct ids; poll for completion. */
    unsigned ids[6];
    for (unsigned k = 0; k < 6; k++) ids[k] = hl_dma_1d(buf_l1 + 512 * k, src_l2 + 256 * k, 512);
    for (unsigned k = 0; k < 6; k++) {
        for (unsigned j = 0; j < k; j++) {
            if (ids[j] == ids[k]) {
                hl_printf("FAIL: transfers %u and %u share id %u\n", j, k, ids[k]);
                failures++;
            }
        }
    }
    if (HL_DMA_STATUS == 0) {
        hl_printf("FAIL: no transfer in flight right after issuing six\n");
        failures++;
    }
    while (!hl_dma_done(ids[5])) {
    }
    hl_dma_wait_all();
    for (unsigned k = 0; k < 6; k++) check("in flight", buf_l1 + 512 * k, src_l2 + 256 * k, 512);

    /* Rate: one aligned 4 KiB transfer. */
    uint32_t bytes0 = HL_DMA_BYTES;
    uint64_t t0 = hl_cycles();
    id = hl_dma_1d(buf_l1, src_l2, N);
    hl_dma_wait(id);
    uint32_t dt = (uint32_t)(hl_cycles() - t0);
    uint32_t moved = HL_DMA_BYTES - bytes0;
    hl_printf("dma: %lu bytes in %lu cycles (%lu.%02lu B/cycle incl. start-up and wait)\n", moved, dt,
              moved / dt, (moved * 100 / dt) % 100);
    if (moved != N || moved < 7 * dt) {
        hl_printf("FAIL: DMA below 7 B/cycle on a 4 KiB copy\n");
        failures++;
    }

    /* Overlap: a 4 KiB transfer while all cores compute on L1. */
    t0 = hl_cycles();
    hl_fork(0, compute, 0);
    uint32_t t_compute = (uint32_t)(hl_cycles() - t0);
    t0 = hl_cycles();
    id = hl_dma_1d(buf_l1, src_l2, N);
    hl_fork(0, compute, 0);
    hl_dma_wait(id);
    uint32_t t_both = (uint32_t)(hl_cycles() - t0);
    check("overlap", buf_l1, src_l2, N);
    hl_printf("overlap: compute %lu, dma %lu, both %lu cycles\n", t_compute, dt, t_both);
    if (t_both >= t_compute + dt) {
        hl_printf("FAIL: DMA did not overlap with compute\n");
        failures++;
    }
    hl_printf("dma: busy %lu cycles, %lu bytes total, %d failures\n", HL_DMA_BUSY_CYCLES, HL_DMA_BYTES, failures);
    return failures != 0;
}
