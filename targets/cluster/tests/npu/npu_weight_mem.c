/* The NPU's resident weight memory (npu.weight_mem_*, docs/npu.md):
   - the loader: initialised HL_NPU_WEIGHTS data is there at start, inside the
     window (hl_in_npu_weights, __halyard_npu_weights_base/_size)
   - core accesses over the cluster bus: byte, halfword and word stores and
     loads, a misaligned word (split by the load-store unit, both halves in
     the weight memory), the load latency (the L2-wait perf counter)
   - jobs reading B from it in both layouts (B [K, N] and B^T), bias, mul and
     add there too, and mixed (B there, bias / mul in L1; B in L1, bias there),
     padded strides; outputs against the scalar reference on core 0
   - perf counters exact: WMEM_BYTES = the panel words read there x 4, and
     TCDM_WORDS counts A and the output (and L1 operands) only
   - the weight port runs beside the TCDM ports: a GEMV with B there takes
     fewer cycles than with B in L1 */
#include "halyard_npu.h"
#include "halyard_rt.h"
#include "npu_check.h"

#define MAXM 24
#define MAXK 72
#define MAXN 40
#define BPAD 8
static int8_t A[MAXM * (MAXK + 8)] HL_L1_BSS __attribute__((aligned(4)));
static int8_t B_l1[(MAXK + BPAD) * (MAXN + BPAD)] HL_L1_BSS __attribute__((aligned(4)));
static int32_t bias_l1[MAXN] HL_L1_BSS;
static int32_t mul_l1[MAXN] HL_L1_BSS;
static int32_t out[MAXM * (MAXN + 8)] HL_L1_BSS;

static int8_t B_wm[(MAXK + BPAD) * (MAXN + BPAD)] HL_NPU_WEIGHTS;
static int32_t bias_wm[MAXN] HL_NPU_WEIGHTS;
static int32_t mul_wm[MAXN] HL_NPU_WEIGHTS;
static int32_t add_wm[MAXN] HL_NPU_WEIGHTS;
static uint32_t loaded_wm[4] HL_NPU_WEIGHTS = {0x11223344u, 0xdeadbeefu, 0x01020304u, 0xa5a5a5a5u};
static uint8_t scratch_wm[16] HL_NPU_WEIGHTS;

extern char __halyard_npu_weights_base[], __halyard_npu_weights_size[];

static uint32_t seed = 777;
static uint32_t rnd(void) {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
}

static void test_loader_and_window(void) {
    const uint32_t base = (uint32_t)(uintptr_t)__halyard_npu_weights_base;
    const uint32_t size = (uint32_t)(uintptr_t)__halyard_npu_weights_size;
    CHECK(base == (uint32_t)HALYARD_NPU_WEIGHT_MEM_BASE, "section base 0x%08lx", (unsigned long)base);
    CHECK(size >= sizeof B_wm + sizeof loaded_wm && size <= (uint32_t)HALYARD_NPU_WEIGHT_MEM_BYTES, "section size %lu",
          (unsigned long)size);
    CHECK(hl_in_npu_weights(B_wm, sizeof B_wm) && hl_in_npu_weights(loaded_wm, sizeof loaded_wm), "in the window");
    CHECK(!hl_in_npu_weights(B_l1, 4) && !hl_in_npu_weights(&seed, 4), "L1 and L2 are not the weight memory");
    CHECK(!hl_in_npu_weights((const void *)(uintptr_t)(HALYARD_NPU_WEIGHT_MEM_BASE + HALYARD_NPU_WEIGHT_MEM_BYTES - 8u), 12),
          "a span past the window's end");
    CHECK(loaded_wm[0] == 0x11223344u && loaded_wm[1] == 0xdeadbeefu && loaded_wm[3] == 0xa5a5a5a5u,
          "loaded words %08lx %08lx", (unsigned long)loaded_wm[0], (unsigned long)loaded_wm[1]);
    CHECK(((volatile uint8_t *)loaded_wm)[1] == 0x33 && ((volatile int16_t *)loaded_wm)[3] == (int16_t)0xdead,
          "loaded byte / halfword");
}

static void test_core_access(void) {
    volatile uint8_t *b = scratch_wm;
    volatile uint16_t *h = (volatile uint16_t *)scratch_wm;
    volatile uint32_t *w = (volatile uint32_t *)scratch_wm;
    uint32_t i, wait0, wait;
    for (i = 0; i < 4; i++) w[i] = 0;
    b[0] = 0x11; b[1] = 0x22; b[2] = 0x33; b[3] = 0x44;
    CHECK(w[0] == 0x44332211u, "bytes stored: word 0x%08lx", (unsigned long)w[0]);
    h[2] = 0xbeef; h[3] = 0xdead;
    CHECK(w[1] == 0xdeadbeefu, "halfwords stored: word 0x%08lx", (unsigned long)w[1]);
    CHECK(b[5] == 0xbe && h[1] == 0x4433 && (int8_t)b[7] == (int8_t)0xde, "byte / halfword loads");
    w[2] = 0x87654321u;
    CHECK(b[8] == 0x21 && b[11] == 0x87, "word stored, bytes loaded");
    /* A misaligned word: the load-store unit splits it, both halves in the weight memory. */
    {
        volatile uint32_t *mis = (volatile uint32_t *)(scratch_wm + 6);
        uint32_t v = *mis;
        CHECK(v == 0x4321deadu, "misaligned load 0x%08lx", (unsigned long)v);
        *mis = 0xcafef00du;
        CHECK(w[1] == 0xf00dbeefu && w[2] == 0x8765cafeu, "misaligned store: 0x%08lx 0x%08lx", (unsigned long)w[1],
              (unsigned long)w[2]);
    }
    /* One load waits npu.weight_mem_latency cycles on the bus, as L2's. */
    wait0 = hl_perf_read(HL_PERF_L2_WAIT);
    (void)w[3];
    wait = hl_perf_read(HL_PERF_L2_WAIT) - wait0;
    CHECK(wait >= (uint32_t)HALYARD_NPU_WEIGHT_MEM_LATENCY - 1u, "load latency: %lu wait cycles", (unsigned long)wait);
    printf("core load from the weight memory: %lu wait cycles (npu.weight_mem_latency %d)\n", (unsigned long)wait,
           HALYARD_NPU_WEIGHT_MEM_LATENCY);
}

/* Words the streamer reads for one panel's B and per-column words. */
static uint32_t b_words(uint32_t k, uint32_t n, int trans) {
    const uint32_t cols = HALYARD_NPU_PE_COLS, panels = (n + cols - 1) / cols;
    uint32_t p, w = 0;
    for (p = 0; p < panels; p++) {
        uint32_t nc = n - p * cols < cols ? n - p * cols : cols;
        w += trans ? nc * ((k + 3) / 4) : k * ((nc + 3) / 4);
    }
    return w;
}
static uint32_t a_out_words(uint32_t m, uint32_t k, uint32_t n, int rq) {
    const uint32_t cols = HALYARD_NPU_PE_COLS, panels = (n + cols - 1) / cols;
    uint32_t p, w = 0;
    for (p = 0; p < panels; p++) {
        uint32_t nc = n - p * cols < cols ? n - p * cols : cols;
        w += m * ((k + 3) / 4) + m * (rq ? (nc + 3) / 4 : nc);
    }
    return w;
}

/* Runs the job, checks its output and both traffic counters. */
static void run_counted(const char *what, hl_npu_job *j, uint32_t want_wm_words, uint32_t want_tcdm_words) {
    hl_npu_perf_clear();
    hl_npu_wait(hl_npu_submit(j));
    check_out(what, j);
    CHECK(hl_npu_weight_mem_bytes() == 4u * want_wm_words, "%s: WMEM_BYTES %lu, expected %lu", what,
          (unsigned long)hl_npu_weight_mem_bytes(), (unsigned long)(4u * want_wm_words));
    CHECK(hl_npu_tcdm_words() == want_tcdm_words, "%s: TCDM_WORDS %lu, expected %lu", what,
          (unsigned long)hl_npu_tcdm_words(), (unsigned long)want_tcdm_words);
    CHECK(hl_npu_stall_cycles() == 0, "%s: %lu stalls", what, (unsigned long)hl_npu_stall_cycles());
}

static void test_jobs(void) {
    hl_npu_job j;
    uint32_t i;
    const uint32_t m = 16, k = 72, n = 40;
    for (i = 0; i < sizeof A; i++) A[i] = (int8_t)rnd();
    for (i = 0; i < sizeof B_wm; i++) B_l1[i] = B_wm[i] = (int8_t)rnd();  /* core stores into the weight memory */
    for (i = 0; i < MAXN; i++) {
        bias_l1[i] = bias_wm[i] = (int32_t)(rnd() % 4001) - 2000;
        mul_l1[i] = mul_wm[i] = (int32_t)(rnd() % 301) - 100;
        add_wm[i] = (int32_t)(rnd() % 20001) - 10000;
    }

    /* B [K, N] there, int32 out: TCDM words are A and the output only. */
    hl_npu_job_gemm(&j, A, B_wm, out, m, k, n);
    run_counted("B [K,N] in wmem, int32", &j, b_words(k, n, 0), a_out_words(m, k, n, 0));
    /* The same job with B in L1: the same output, B's words on the TCDM. */
    hl_npu_job_gemm(&j, A, B_l1, out, m, k, n);
    run_counted("B [K,N] in L1, int32", &j, 0, a_out_words(m, k, n, 0) + b_words(k, n, 0));

    /* B^T [N, K] there (padded rows), bias there, int8 out. */
    hl_npu_job_gemm(&j, A, B_wm, out, m, k, n);
    hl_npu_job_b_trans(&j, k + BPAD);
    hl_npu_job_bias(&j, bias_wm);
    hl_npu_job_requant(&j, 3, 0, 10, 1, 256);
    run_counted("B^T + bias in wmem, int8", &j, b_words(k, n, 1) + n, a_out_words(m, k, n, 1));

    /* Bias, mul and add there, per channel, padded strides. */
    hl_npu_job_gemm(&j, A, B_wm, out, 12, 33, 21);
    j.field[HL_NPU_A_STRIDE] = MAXK + 8;
    j.field[HL_NPU_B_STRIDE] = MAXN + BPAD;
    hl_npu_job_bias(&j, bias_wm);
    hl_npu_job_requant_per_channel(&j, mul_wm, add_wm, 9, 0, 256);
    j.field[HL_NPU_OUT_STRIDE] = MAXN + 8;
    run_counted("B, bias, mul, add in wmem, per channel", &j, b_words(33, 21, 0) + 3 * 21, a_out_words(12, 33, 21, 1));

    /* Mixed: B there, bias and mul in L1, add there. */
    hl_npu_job_gemm(&j, A, B_wm, out, 5, 17, 19);
    hl_npu_job_bias(&j, bias_l1);
    hl_npu_job_requant_per_channel(&j, mul_l1, add_wm, 7, 1, 256);
    run_counted("B + add in wmem, bias + mul in L1", &j, b_words(17, 19, 0) + 19, a_out_words(5, 17, 19, 1) + 2 * 19);

    /* Mixed the other way: B in L1, bias there. */
    hl_npu_job_gemm(&j, A, B_l1, out, 3, 8, 17);
    hl_npu_job_bias(&j, bias_wm);
    run_counted("B in L1, bias in wmem", &j, 17, a_out_words(3, 8, 17, 0) + b_words(8, 17, 0));

    /* B^T there, uint8 A, K not a word multiple, N < 16. */
    hl_npu_job_gemm(&j, A, B_wm, out, 7, 13, 5);
    hl_npu_job_b_trans(&j, 16);
    j.field[HL_NPU_CONF] |= HL_NPU_CONF_A_UNSIGNED;
    run_counted("B^T in wmem, uint8 A, K 13, N 5", &j, b_words(13, 5, 1), a_out_words(7, 13, 5, 0));
}

/* A GEMV (M = 1): with B in L1 the four TCDM ports carry B; from the weight
   memory its port carries it beside them, at twice the bytes per cycle. */
static void test_gemv_faster(void) {
    hl_npu_job j;
    uint32_t t_l1, t_wm;
    uint64_t t0;
    hl_npu_job_gemm(&j, A, B_l1, out, 1, 64, 40);
    j.field[HL_NPU_B_STRIDE] = MAXN + BPAD;
    t0 = hl_cycles();
    hl_npu_wait(hl_npu_submit(&j));
    t_l1 = (uint32_t)(hl_cycles() - t0);
    check_out("GEMV B in L1", &j);
    j.field[HL_NPU_B_PTR] = (uint32_t)(uintptr_t)B_wm;
    t0 = hl_cycles();
    hl_npu_wait(hl_npu_submit(&j));
    t_wm = (uint32_t)(hl_cycles() - t0);
    check_out("GEMV B in wmem", &j);
    printf("GEMV 1x64x40: %lu cycles with B in L1, %lu with B in the weight memory\n", (unsigned long)t_l1,
           (unsigned long)t_wm);
    CHECK(t_wm < t_l1, "the weight port is faster for a GEMV: %lu vs %lu", (unsigned long)t_wm, (unsigned long)t_l1);
}

int main(void) {
    test_loader_and_window();
    test_core_access();
    test_jobs();
    test_gemv_faster();
    if (failures) {
        printf("npu_weight_mem: %d failures\n", failures);
        return 1;
    }
    printf("npu_weight_mem: ok\n");
    return 0;
}
