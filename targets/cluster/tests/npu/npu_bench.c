/* The NPU on a 128 x 128 x 128 int8 GEMM with int8 requantized output, all
   operands in L1 (the NPU streams A, B and the output between L1 and its
   buffers: that data movement is included). Prints the cycles from trigger
   to completion as seen by the core, MAC/cycle and the share of the peak
   (npu.macs_per_cycle); checks 256 outputs against a scalar computation on
   core 0. Size: -DBENCH_M/K/N. */
#include "halyard_npu.h"
#include "halyard_rt.h"

#ifndef BENCH_M
#define BENCH_M 128
#endif
#ifndef BENCH_K
#define BENCH_K 128
#endif
#ifndef BENCH_N
#define BENCH_N 128
#endif

static int8_t A[BENCH_M * BENCH_K] HL_L1_BSS __attribute__((aligned(4)));
static int8_t B[BENCH_K * BENCH_N] HL_L1_BSS __attribute__((aligned(4)));
static int32_t bias[BENCH_N] HL_L1_BSS;
static int8_t Y[BENCH_M * BENCH_N] HL_L1_BSS __attribute__((aligned(4)));

int main(void) {
    uint32_t s = 1, i;
    for (i = 0; i < sizeof A; i++) A[i] = (int8_t)((s = s * 1103515245u + 12345u) >> 16);
    for (i = 0; i < sizeof B; i++) B[i] = (int8_t)((s = s * 1103515245u + 12345u) >> 16);
    for (i = 0; i < BENCH_N; i++) bias[i] = (int32_t)(i * 37) - 2000;

    hl_npu_job j;
    hl_npu_job_gemm(&j, A, B, Y, BENCH_M, BENCH_K, BENCH_N);
    hl_npu_job_bias(&j, bias);
    hl_npu_job_requant(&j, 3, 0, 10, 1, 256);
    hl_npu_perf_clear();
    uint64_t t0 = hl_cycles();
    hl_npu_wait(hl_npu_submit(&j));
    uint32_t cycles = (uint32_t)(hl_cycles() - t0);
    uint64_t macs = (uint64_t)BENCH_M * BENCH_K * BENCH_N;
    uint32_t x100 = (uint32_t)(macs * 100 / cycles), util = (uint32_t)(macs * 1000 / ((uint64_t)cycles * HALYARD_NPU_MACS_PER_CYCLE));
    printf("npu_bench %dx%dx%d: %lu cycles from submit to wake-up (busy %lu, TCDM stalls %lu, %lu words), "
           "%lu.%02lu MAC/cycle, %lu.%lu%% of the peak %d\n",
           BENCH_M, BENCH_K, BENCH_N, (unsigned long)cycles, (unsigned long)hl_npu_busy_cycles(),
           (unsigned long)hl_npu_stall_cycles(), (unsigned long)hl_npu_tcdm_words(), (unsigned long)(x100 / 100),
           (unsigned long)(x100 % 100), (unsigned long)(util / 10), (unsigned long)(util % 10), HALYARD_NPU_MACS_PER_CYCLE);

    int bad = 0;
    for (i = 0; i < 256; i++) {
        uint32_t m = (i * 37u) % BENCH_M, n = (i * 101u + 7u) % BENCH_N, k;
        int32_t acc = bias[n], x;
        for (k = 0; k < BENCH_K; k++) acc += (int32_t)A[m * BENCH_K + k] * B[k * BENCH_N + n];
        x = (acc * 3 + (1 << 9)) >> 10;
        if (x < -128) x = -128;
        if (x > 127) x = 127;
        if (Y[m * BENCH_N + n] != x) {
            if (bad++ < 4) printf("Y[%lu][%lu] = %d, expected %ld\n", (unsigned long)m, (unsigned long)n, Y[m * BENCH_N + n], (long)x);
        }
    }
    printf(bad ? "npu_bench: %d wrong\n" : "npu_bench: ok\n", bad);
    return bad != 0;
}
