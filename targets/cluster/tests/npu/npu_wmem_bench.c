/* The NPU with B in its weight memory against B in L1 (docs/npu.md, "The
   weight memory"): a GEMV 1 x 64 x 256 (the decode step's shape: every B
   byte feeds one MAC, so the job is bound by how fast B arrives) and the
   128 x 128 x 128 GEMM of npu_bench (compute-bound). int8 out, bias,
   per-tensor RequantShift; A and the output in L1. Prints the cycles from
   submit to wake-up as the core sees them and the traffic counters (not
   asserted); checks the GEMV's outputs and a sample of the GEMM's against
   the scalar reference, and the GEMM's outputs with B in the weight memory
   byte for byte against those with B in L1. */
#include "halyard_npu.h"
#include "halyard_rt.h"
#include "npu_check.h"

#define MAX_A (128 * 128)
#define MAX_B (128 * 128)  /* also 64 x 256 */
static int8_t A[MAX_A] HL_L1_BSS __attribute__((aligned(4)));
static int8_t B_l1[MAX_B] HL_L1_BSS __attribute__((aligned(4)));
static int32_t bias_l1[256] HL_L1_BSS;
static int8_t Y[128 * 256] HL_L1_BSS __attribute__((aligned(4)));
static int8_t Y_l1[128 * 128] HL_L1_BSS __attribute__((aligned(4)));
static int8_t B_wm[MAX_B] HL_NPU_WEIGHTS;
static int32_t bias_wm[256] HL_NPU_WEIGHTS;

static uint32_t bench(const char *where, uint32_t m, uint32_t k, uint32_t n, const int8_t *b, const int32_t *bias) {
    hl_npu_job j;
    uint64_t t0;
    uint32_t cycles, i;
    hl_npu_job_gemm(&j, A, b, Y, m, k, n);
    hl_npu_job_bias(&j, bias);
    hl_npu_job_requant(&j, 3, 0, 10, 1, 256);
    hl_npu_perf_clear();
    t0 = hl_cycles();
    hl_npu_wait(hl_npu_submit(&j));
    cycles = (uint32_t)(hl_cycles() - t0);
    printf("npu_wmem_bench %lux%lux%lu, B in %s: %lu cycles from submit to wake-up (busy %lu, %lu TCDM words, "
           "%lu weight-memory bytes, %lu MAC/cycle)\n",
           (unsigned long)m, (unsigned long)k, (unsigned long)n, where, (unsigned long)cycles,
           (unsigned long)hl_npu_busy_cycles(), (unsigned long)hl_npu_tcdm_words(),
           (unsigned long)hl_npu_weight_mem_bytes(), (unsigned long)((uint64_t)m * k * n / cycles));
    if (m == 1) {
        check_out(where, &j);
    } else {
        for (i = 0; i < 256; i++) {  /* a sample: the core's reference takes K loads per output */
            uint32_t r = (i * 37u) % m, c = (i * 101u + 7u) % n;
            CHECK(Y[r * n + c] == (int8_t)ref(&j, r, c), "%s: Y[%lu][%lu]", where, (unsigned long)r, (unsigned long)c);
        }
    }
    return cycles;
}

int main(void) {
    uint32_t s = 1, i;
    for (i = 0; i < sizeof A; i++) A[i] = (int8_t)((s = s * 1103515245u + 12345u) >> 16);
    for (i = 0; i < sizeof B_l1; i++) B_l1[i] = B_wm[i] = (int8_t)((s = s * 1103515245u + 12345u) >> 16);
    for (i = 0; i < 256; i++) bias_l1[i] = bias_wm[i] = (int32_t)(i * 37) - 2000;

    bench("L1", 1, 64, 256, B_l1, bias_l1);
    bench("the weight memory", 1, 64, 256, B_wm, bias_wm);
    bench("L1", 128, 128, 128, B_l1, bias_l1);
    for (i = 0; i < sizeof Y_l1; i++) Y_l1[i] = Y[i];
    bench("the weight memory", 128, 128, 128, B_wm, bias_wm);
    for (i = 0; i < sizeof Y_l1; i++) {
        if (Y[i] != Y_l1[i]) {
            CHECK(0, "128^3: output byte %lu differs between B in the weight memory and in L1", (unsigned long)i);
            break;
        }
    }
    printf(failures ? "npu_wmem_bench: %d failures\n" : "npu_wmem_bench: ok\n", failures);
    return failures != 0;
}
