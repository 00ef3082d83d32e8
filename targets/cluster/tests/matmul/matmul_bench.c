/* int8 matrix multiply C[M][N] = A[M][K] * B[K][N] (int32 results) with the
   Xpulp micro-kernel (mm_i8_4x4.S), checked against plain C and timed on 1
   and on all cores. A benchmark: it prints MAC/cycle and where the cycles
   went, and fails only on a wrong result.

   Layout: A and B^T rows are padded by one word (K + 4 bytes) so that rows
   start in different TCDM banks; each core takes M/cores rows (4-row blocks)
   and starts its column tiles at a different offset so that cores read
   different B^T rows at the same time. */
#include "halyard_rt.h"

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

struct mm_args {
    const int8_t *a;
    const int8_t *bt;
    int32_t *c;
    uint32_t k_steps, tiles, lda, ldb, ldc;
};
void mm_i8_4rows(const struct mm_args *args);

static int8_t A[MM_M][LDA] HL_L1_BSS __attribute__((aligned(4)));
static int8_t BT[MM_N][LDB] HL_L1_BSS __attribute__((aligned(4)));
static int32_t C[MM_M][MM_N] HL_L1_BSS;
static int32_t Cref[MM_M][MM_N];
static uint32_t perf[HALYARD_CORES][HALYARD_PERF_COUNTERS] HL_L1_BSS;

static void run_tiles(unsigned row, unsigned t0, unsigned t1) {
    if (t1 <= t0) return;
    struct mm_args args = {&A[row][0], &BT[4 * t0][0], &C[row][4 * t0], MM_K / 4, t1 - t0, LDA, LDB, 4 * MM_N};
    mm_i8_4rows(&args);
}

static void worker(void *arg) {
    unsigned me = hl_core_id(), n = hl_team_size();
    unsigned tiles = MM_N / 4, blocks = MM_M / 4;
    for (int i = 0; i < HALYARD_PERF_COUNTERS; i++) perf[me][i] = hl_perf_read((enum hl_perf_counter)i);
    for (unsigned b = me; b < blocks; b += n) {
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
    hl_printf("matmul %dx%dx%d int8 on %u core(s): %lu cycles, %lu.%02lu MAC/cycle (peak %u)%s\n", MM_M, MM_N,
              MM_K, cores, cycles, mpc100 / 100, mpc100 % 100, 4 * cores, bad ? " WRONG RESULT" : "");
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
    return bad != 0;
}
