/* Background DMA transfers (ROWS bit 31, hl_dma_2d_background): a background
   copy runs only while no foreground transfer is queued and yields to one at
   the end of a row, then resumes; it lands the same bytes as an ordinary
   copy and completes once. Every check compares data bit-exactly (and the
   bytes around each destination); the timing checks are orders only (a
   foreground transfer started after a long background one finishes first). */
#include "halyard_rt.h"

#define BIG_ROWS 32
#define BIG_ROW 512
#define BIG (BIG_ROWS * BIG_ROW)
static uint8_t big_l2[BIG] __attribute__((aligned(8)));
static uint8_t big_l1[BIG] HL_L1_BSS __attribute__((aligned(8)));
#define SMALL 2048
static uint8_t src_l2[SMALL] __attribute__((aligned(8)));
static uint8_t dst_l2[SMALL] __attribute__((aligned(8)));
static uint8_t buf_l1[SMALL] HL_L1_BSS __attribute__((aligned(8)));
static uint8_t want[BIG] __attribute__((aligned(8)));
static int failures;

static void fill(uint8_t *p, unsigned n, unsigned seed) {
    for (unsigned i = 0; i < n; i++) p[i] = (uint8_t)(seed + i * 7 + (i >> 8));
}
static void check(const char *what, const uint8_t *got, const uint8_t *expect, unsigned n) {
    for (unsigned i = 0; i < n; i++) {
        if (got[i] != expect[i]) {
            hl_printf("FAIL %s: byte %u is %u, want %u\n", what, i, got[i], expect[i]);
            failures++;
            return;
        }
    }
}
/* `want` = `before` with a 2D copy of src applied (what the DMA must leave at dst). */
static void expect_2d(uint8_t *expect, const uint8_t *before, unsigned n, unsigned dst_off, const uint8_t *src,
                      unsigned len, unsigned rows, unsigned dst_stride, unsigned src_stride) {
    for (unsigned i = 0; i < n; i++) expect[i] = before[i];
    for (unsigned r = 0; r < (rows ? rows : 1); r++)
        for (unsigned b = 0; b < len; b++) expect[dst_off + r * dst_stride + b] = src[r * src_stride + b];
}
static int busy(unsigned id) { return (HL_DMA_STATUS >> id) & 1u; }

/* (2) from another core: a foreground transfer issued while core 0's
   background one runs. */
static volatile unsigned other_done_while_bg_busy;
static volatile unsigned bg_id_shared;
static void other_core_copy(void *arg) {
    (void)arg;
    if (hl_core_id() != 1) return;
    unsigned id = hl_dma_1d(buf_l1 + 256, src_l2 + 256, 64);
    while (!hl_dma_done(id)) {
    }
    other_done_while_bg_busy = busy(bg_id_shared);
}

static uint32_t lcg_state = 12345;
static uint32_t lcg(void) {
    lcg_state = lcg_state * 1103515245u + 12345u;
    return lcg_state >> 8;
}

int main(void) {
    static uint8_t before[SMALL];
    fill(big_l2, BIG, 3);
    fill(src_l2, SMALL, 11);

    /* (1) A background 2D transfer alone: 20 rows of 37 B, L2 -> L1, odd
       strides; then back L1 -> L2. */
    for (unsigned i = 0; i < SMALL; i++) buf_l1[i] = 0xA5, before[i] = 0xA5;
    hl_dma_wait(hl_dma_2d_background(buf_l1 + 1, src_l2 + 2, 37, 20, 41, 53));
    expect_2d(want, before, SMALL, 1, src_l2 + 2, 37, 20, 41, 53);
    check("background 2D alone, L2->L1", buf_l1, want, SMALL);
    for (unsigned i = 0; i < SMALL; i++) dst_l2[i] = 0x5A, before[i] = 0x5A;
    unsigned id = hl_dma_2d_background(dst_l2 + 3, buf_l1 + 1, 37, 20, 39, 41);
    while (!hl_dma_done(id)) {
    }
    expect_2d(want, before, SMALL, 3, src_l2 + 2, 37, 20, 39, 53);
    check("background 2D alone, L1->L2", dst_l2, want, SMALL);

    /* (2) A 32 x 512 B background prefetch, then a 64 B foreground copy from
       the same core: the foreground one finishes while the background one is
       still busy, and both land their bytes. */
    for (unsigned i = 0; i < BIG; i++) big_l1[i] = 0;
    for (unsigned i = 0; i < SMALL; i++) buf_l1[i] = 0, before[i] = 0;
    unsigned bg = hl_dma_2d_background(big_l1, big_l2, BIG_ROW, BIG_ROWS, BIG_ROW, BIG_ROW);
    for (volatile int spin = 0; spin < 20; spin++) {  /* let it start */
    }
    uint64_t t0 = hl_cycles();
    unsigned fg = hl_dma_1d(buf_l1 + 8, src_l2 + 8, 64);
    while (!hl_dma_done(fg)) {
    }
    uint64_t t_fg = hl_cycles() - t0;
    int bg_busy_at_fg_done = busy(bg);
    hl_dma_wait(bg);
    uint64_t t_bg = hl_cycles() - t0;
    if (!bg_busy_at_fg_done || t_fg >= t_bg) {
        hl_printf("FAIL foreground after background: background done first (fg %u, bg %u cycles)\n",
                  (unsigned)t_fg, (unsigned)t_bg);
        failures++;
    }
    check("background 32x512", big_l1, big_l2, BIG);
    expect_2d(want, before, SMALL, 8, src_l2 + 8, 64, 1, 0, 0);
    check("foreground 64 B during background", buf_l1, want, SMALL);

    /* The same with the foreground copy from core 1. */
    for (unsigned i = 0; i < BIG; i++) big_l1[i] = 0;
    for (unsigned i = 0; i < SMALL; i++) buf_l1[i] = 0;
    bg_id_shared = hl_dma_2d_background(big_l1, big_l2, BIG_ROW, BIG_ROWS, BIG_ROW, BIG_ROW);
    other_done_while_bg_busy = 0;
    hl_fork(2, other_core_copy, 0);
    if (!other_done_while_bg_busy) {
        hl_printf("FAIL foreground from core 1: the background transfer finished first\n");
        failures++;
    }
    hl_dma_wait(bg_id_shared);
    check("background 32x512 (other core's foreground)", big_l1, big_l2, BIG);
    expect_2d(want, before, SMALL, 256, src_l2 + 256, 64, 1, 0, 0);
    check("foreground 64 B from core 1", buf_l1, want, SMALL);

    /* (3) Foreground transfers interleaved with a background one of odd rows
       at unaligned addresses (L2 -> L2 when the DMA copies it, else
       L2 -> L1): the background one yields at row ends again and again. */
    for (unsigned i = 0; i < SMALL; i++) dst_l2[i] = 0x33, buf_l1[i] = 0x44;
    uint8_t *bg_dst = HALYARD_DMA_L2_TO_L2 ? dst_l2 : buf_l1;
    const uint8_t bg_fill = HALYARD_DMA_L2_TO_L2 ? 0x33 : 0x44;
    bg = hl_dma_2d_background(bg_dst + 5, src_l2 + 1, 29, 31, 35, 33);
    unsigned fgs[6];
    for (unsigned k = 0; k < 6; k++) {
        fgs[k] = hl_dma_1d(buf_l1 + 1200 + 130 * k + (k & 3), src_l2 + 1100 + 7 * k, 13 + 17 * k);
        for (volatile int spin = 0; spin < 2; spin++) {
        }
    }
    for (unsigned k = 0; k < 6; k++) hl_dma_wait(fgs[k]);
    hl_dma_wait(bg);
    for (unsigned i = 0; i < SMALL; i++) before[i] = bg_fill;
    expect_2d(want, before, 1200, 5, src_l2 + 1, 29, 31, 35, 33);
    check("background odd rows with foreground between", bg_dst, want, 1200);
    for (unsigned i = 0; i < SMALL; i++) want[i] = 0x44;
    if (!HALYARD_DMA_L2_TO_L2) for (unsigned i = 0; i < 1200; i++) want[i] = buf_l1[i];  /* checked above */
    for (unsigned k = 0; k < 6; k++)
        for (unsigned b = 0; b < 13 + 17 * k; b++) want[1200 + 130 * k + (k & 3) + b] = src_l2[1100 + 7 * k + b];
    check("foreground transfers during background", buf_l1, want, SMALL);

    /* (4) ROWS with only bit 31 set: 0 rows, a 1D copy of LEN bytes. */
    for (unsigned i = 0; i < SMALL; i++) buf_l1[i] = 0x77, before[i] = 0x77;
    hl_dma_wait(hl_dma_2d_background(buf_l1 + 3, src_l2 + 6, 301, 0, 0, 0));
    expect_2d(want, before, SMALL, 3, src_l2 + 6, 301, 1, 0, 0);
    check("background, ROWS = bit 31 only", buf_l1, want, SMALL);

    /* Randomized: a background transfer and 0..4 foreground ones of random
       shapes, in random order, each into its own part of L1 (background:
       bytes 0..1399, foreground k: from 1400 + 150 k). */
    for (unsigned iter = 0; iter < 24; iter++) {
        for (unsigned i = 0; i < SMALL; i++) buf_l1[i] = (uint8_t)iter, before[i] = (uint8_t)iter;
        for (unsigned i = 0; i < BIG; i++) want[i] = 0;
        const unsigned len = 1 + lcg() % 60, rows = lcg() % 21, ss = len + lcg() % 9, ds = len + lcg() % 7;
        const unsigned soff = lcg() % 8, doff = lcg() % 8;
        const unsigned nfg = lcg() % 5, bg_at = lcg() % (nfg + 1);
        unsigned ids[5], flen[4], fso[4], fdo[4];
        for (unsigned k = 0; k < nfg; k++) flen[k] = 1 + lcg() % 100, fso[k] = lcg() % 900, fdo[k] = 1400 + 150 * k + lcg() % 8;
        for (unsigned k = 0, f = 0; k <= nfg; k++) {
            if (k == bg_at) ids[k] = hl_dma_2d_background(buf_l1 + doff, src_l2 + soff, len, rows, (int32_t)ds, (int32_t)ss);
            else { ids[k] = hl_dma_1d(buf_l1 + fdo[f], src_l2 + fso[f], flen[f]); f++; }
            for (volatile unsigned spin = lcg() % 16; spin; spin--) {
            }
        }
        for (unsigned k = 0; k <= nfg; k++) hl_dma_wait(ids[k]);
        expect_2d(want, before, SMALL, doff, src_l2 + soff, len, rows, ds, ss);
        for (unsigned k = 0; k < nfg; k++)
            for (unsigned b = 0; b < flen[k]; b++) want[fdo[k] + b] = src_l2[fso[k] + b];
        check("randomized background + foreground", buf_l1, want, SMALL);
        if (failures) {
            hl_printf("  iteration %u: len %u rows %u strides %u/%u offsets %u/%u, %u foreground\n", iter, len, rows,
                      ds, ss, doff, soff, nfg);
            break;
        }
    }

    if (HL_DMA_STATUS != 0) {
        hl_printf("FAIL STATUS %08x after every wait\n", (unsigned)HL_DMA_STATUS);
        failures++;
    }
    hl_printf("dma_background: %d failures\n", failures);
    return failures != 0;
}
