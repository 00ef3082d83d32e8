/* int8 matrix multiply C[M][N] = A[M][K] * B[K][N] (int32 results), checked
   against plain C and timed on 1 and on all cores, with two kernels:
   - 4x4: the assembly micro-kernel mm_i8_4x4.S (16 accumulators, nested
     hardware loops over K and over the column tiles);
   - 4x2: C with the halyard_xpulp.h hardware-loop macros and one asm block
     per tile (8 accumulators, PULP-NN's blocking: 6 loads per 8 sdot4).
   A benchmark: it prints MAC/cycle and where the cycles went, and fails only
   on a wrong result.

   Layout: A and B^T rows are padded by one word (K + 4 bytes) so that rows
   start in different TCDM banks; each core takes M/cores rows (4-row blocks)
   and starts its column tiles at a different offset so that cores read
   different B^T rows at the same time. */
#include "halyard_rt.h"
#include "halyard_xpulp.h"

#ifndef MM_M
#define MM_M 64
#endif
#ifndef MM_N
#define MM_N 64
#endif
#ifndef MM_K
#define MM_K 64
#endif
#define LDA (MM_K + 4)
#define LDB (MM_K + 4)

/* mm_i8_4x4.S, assembled for the same MM_K/MM_N: 4 rows of A times `tiles`
   4-column tiles of B^T starting at bt, results from c on. */
void mm_i8_4rows(const int8_t *a, const int8_t *bt, int32_t *c, uint32_t tiles);
/* mm_i8_4x5.S: the same with 5-column tiles. */
void mm_i8_4x5_rows(const int8_t *a, const int8_t *bt, int32_t *c, uint32_t tiles);

/* Column split for the 4x5 kernel: N5 columns in 5-wide tiles, the rest
   (a multiple of 4) in 4x4 tiles. */
#define N4_REST ((MM_N % 5 == 0) ? 0 : (MM_N % 5 == 4) ? 4 : (MM_N % 5 == 3) ? 8 : (MM_N % 5 == 2) ? 12 : 16)
#define N5 (MM_N - N4_REST)

static int8_t A[MM_M][LDA] HL_L1_BSS __attribute__((aligned(4)));
static int8_t BT[MM_N][LDB] HL_L1_BSS __attribute__((aligned(4)));
static int32_t C[MM_M][MM_N] HL_L1_BSS;
static int32_t Cref[MM_M][MM_N];
static uint32_t perf[HALYARD_CORES][HALYARD_PERF_COUNTERS] HL_L1_BSS;

static void run_tiles(unsigned row, unsigned t0, unsigned t1) {
    if (t1 <= t0) return;
    mm_i8_4rows(&A[row][0], &BT[4 * t0][0], &C[row][4 * t0], t1 - t0);
}

/* One 4x2 tile: rows row..row+3, columns col, col+1, all of K. */
static void tile_4x2(unsigned row, unsigned col) {
    const int8_t *pa0 = &A[row][0], *pa1 = &A[row + 1][0], *pa2 = &A[row + 2][0], *pa3 = &A[row + 3][0];
    const int8_t *pb0 = &BT[col][0], *pb1 = &BT[col + 1][0];
    int32_t c00 = 0, c01 = 0, c10 = 0, c11 = 0, c20 = 0, c21 = 0, c30 = 0, c31 = 0;
    /* A values in t0-t3, B values in t4/t5 (named in the asm: operand limit). */
    uint32_t steps = MM_K / 4;
    __asm__ volatile(
        HL_LP_COUNT(0, "%[n]")
        HL_LP_STARTI(0, 1f)
        HL_LP_ENDI(0, 2f)
        "1:\n\t"
        ".insn i 0x0B, 2, t4, 4(%[pb0])\n\t"
        ".insn i 0x0B, 2, t5, 4(%[pb1])\n\t"
        ".insn i 0x0B, 2, t0, 4(%[pa0])\n\t"
        ".insn i 0x0B, 2, t1, 4(%[pa1])\n\t"
        ".insn r 0x57, 1, 0x5C, %[c00], t0, t4\n\t"
        ".insn r 0x57, 1, 0x5C, %[c01], t0, t5\n\t"
        ".insn i 0x0B, 2, t2, 4(%[pa2])\n\t"
        ".insn r 0x57, 1, 0x5C, %[c10], t1, t4\n\t"
        ".insn r 0x57, 1, 0x5C, %[c11], t1, t5\n\t"
        ".insn i 0x0B, 2, t3, 4(%[pa3])\n\t"
        ".insn r 0x57, 1, 0x5C, %[c20], t2, t4\n\t"
        ".insn r 0x57, 1, 0x5C, %[c21], t2, t5\n\t"
        ".insn r 0x57, 1, 0x5C, %[c30], t3, t4\n\t"
        ".insn r 0x57, 1, 0x5C, %[c31], t3, t5\n\t"
        "2:\n\t"
        : [c00] "+r"(c00), [c01] "+r"(c01), [c10] "+r"(c10), [c11] "+r"(c11), [c20] "+r"(c20),
          [c21] "+r"(c21), [c30] "+r"(c30), [c31] "+r"(c31), [pa0] "+r"(pa0), [pa1] "+r"(pa1),
          [pa2] "+r"(pa2), [pa3] "+r"(pa3), [pb0] "+r"(pb0), [pb1] "+r"(pb1)
        : [n] "r"(steps)
        : "t0", "t1", "t2", "t3", "t4", "t5", "memory");
    int32_t *c = &C[row][col];
    c[0] = c00;
    c[1] = c01;
    c[MM_N] = c10;
    c[MM_N + 1] = c11;
    c[2 * MM_N] = c20;
    c[2 * MM_N + 1] = c21;
    c[3 * MM_N] = c30;
    c[3 * MM_N + 1] = c31;
}

static int use_4x2 HL_L1_BSS;
static int use_4x5 HL_L1_BSS;

static void run_tiles5(unsigned row, unsigned t0, unsigned t1) {
    if (t1 <= t0) return;
    mm_i8_4x5_rows(&A[row][0], &BT[5 * t0][0], &C[row][5 * t0], t1 - t0);
}

static void worker(void *arg) {
    unsigned me = hl_core_id(), n = hl_team_size();
    unsigned tiles = MM_N / 4, blocks = MM_M / 4;
    for (int i = 0; i < HALYARD_PERF_COUNTERS; i++) perf[me][i] = hl_perf_read((enum hl_perf_counter)i);
    for (unsigned b = me; b < blocks; b += n) {
        if (use_4x5) {
            unsigned tiles5 = N5 / 5, start = (me * 2) % tiles5;
            run_tiles5(4 * b, start, tiles5);
            run_tiles5(4 * b, 0, start);
            if (N4_REST) mm_i8_4rows(&A[4 * b][0], &BT[N5][0], &C[4 * b][N5], N4_REST / 4);
            continue;
        }
        if (use_4x2) {
            unsigned pairs = MM_N / 2, start = (me * 4) % pairs;
            for (unsigned t = 0; t < pairs; t++) tile_4x2(4 * b, 2 * ((start + t) % pairs));
            continue;
        }
        unsigned start = (me * 2) % tiles;
        run_tiles(4 * b, start, tiles);
        run_tiles(4 * b, 0, start);
    }
    for (int i = 0; i < HALYARD_PERF_COUNTERS; i++) perf[me][i] = hl_perf_read((enum hl_perf_counter)i) - perf[me][i];
    (void)arg;
}

static uint32_t rng = 7;
static int8_t rnd(void) {
    rng = rng * 1103515245u + 12345u;
    return (int8_t)(rng >> 16);
}

static int run(unsigned cores) {
    for (int i = 0; i < MM_M; i++)
        for (int j = 0; j < MM_N; j++) C[i][j] = 0x5a5a5a5a;
    uint64_t t0 = hl_cycles();
    hl_fork(cores, worker, 0);
    uint32_t cycles = (uint32_t)(hl_cycles() - t0);
    int bad = 0;
    for (int i = 0; i < MM_M; i++)
        for (int j = 0; j < MM_N; j++) bad += C[i][j] != Cref[i][j];
    uint32_t macs = (uint32_t)MM_M * MM_N * MM_K;
    uint32_t mpc100 = (uint32_t)((uint64_t)macs * 100 / cycles);
    hl_printf("matmul %dx%dx%d int8, %s kernel, %u core(s): %lu cycles, %lu.%02lu MAC/cycle (peak %u)%s\n", MM_M,
              MM_N, MM_K, use_4x2 ? "4x2 C+Xpulp" : use_4x5 ? "4x5 asm" : "4x4 asm", cores, cycles, mpc100 / 100, mpc100 % 100,
              4 * cores, bad ? " WRONG RESULT" : "");
    uint32_t sum[HALYARD_PERF_COUNTERS] = {0};
    for (unsigned c = 0; c < cores; c++)
        for (int i = 0; i < HALYARD_PERF_COUNTERS; i++) sum[i] += perf[c][i];
    hl_printf("  per core avg: cycles %lu instret %lu load-use %lu tcdm-stall %lu l2-wait %lu branch %lu "
              "sleep %lu multicycle %lu\n",
              sum[0] / cores, sum[1] / cores, sum[2] / cores, sum[3] / cores, sum[4] / cores, sum[5] / cores,
              sum[6] / cores, sum[7] / cores);
    return bad;
}

int main(void) {
    for (int i = 0; i < MM_M; i++)
        for (int k = 0; k < MM_K; k++) A[i][k] = rnd();
    for (int j = 0; j < MM_N; j++)
        for (int k = 0; k < MM_K; k++) BT[j][k] = rnd();
    /* Plain C reference (B[k][j] = BT[j][k]). */
    for (int i = 0; i < MM_M; i++)
        for (int j = 0; j < MM_N; j++) {
            int32_t s = 0;
            for (int k = 0; k < MM_K; k++) s += (int32_t)A[i][k] * (int32_t)BT[j][k];
            Cref[i][j] = s;
        }
    int bad = run(1);
    bad += run(HALYARD_CORES);
    use_4x5 = 1;
    bad += run(1);
    bad += run(HALYARD_CORES);
    use_4x5 = 0;
    use_4x2 = 1;
    bad += run(1);
    bad += run(HALYARD_CORES);
    return bad != 0;
}
