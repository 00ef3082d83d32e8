/* Directed tests of the NPU: every register and mode, checked against a
   scalar reference on core 0 (the same semantics as the C++ reference,
   targets/cluster/npu/npu_reference.h):
   - idle state of STATUS, RUNNING_JOB, FINISHED, FINISHED_ID, perf counters
   - staging registers read back
   - ACQUIRE: ids in order, -1 while another acquire holds the lock, -1 with
     the queue full; a queue of 2 (the second job programmed while the first
     runs); STATUS and RUNNING_JOB while running; FINISHED / FINISHED_ID
   - completion wakes the submitting core from sleep (sleep cycles counted),
     and only that core (core 1 submits, core 0 gets no NPU event)
   - modes: int8 / uint8 A, B and B^T, int32 out with and without bias,
     RequantShift per tensor and per channel, signed / unsigned / narrow
     clip, rounding off, shift 0, padded strides, stride 0 (broadcast row)
   - perf counters: MACs = M*K*N, TCDM words as the streamer moves them, no
     stalls alone; 7 cores loading from L1 at the same time lose banks to the
     NPU (core TCDM stalls, no NPU stalls); a DMA transfer at the same time
     wins banks over the NPU (NPU stalls); PERF_CLEAR */
#include "halyard_npu.h"
#include "halyard_rt.h"
#include "npu_check.h"

#define MAXM 40
#define MAXK 72
#define MAXN 40
static int8_t A[MAXM * (MAXK + 8)] HL_L1_BSS __attribute__((aligned(4)));
static int8_t B[(MAXK + 8) * (MAXN + 8)] HL_L1_BSS __attribute__((aligned(4)));
static int32_t bias[MAXN] HL_L1_BSS;
static int32_t mulv[MAXN] HL_L1_BSS;
static int32_t addv[MAXN] HL_L1_BSS;
static int32_t out1[MAXM * (MAXN + 8)] HL_L1_BSS;
static int32_t out2[MAXM * (MAXN + 8)] HL_L1_BSS;
static volatile int32_t noise[64] HL_L1_BSS;
static const uint8_t dma_src[8192] = {1};
static uint8_t dma_dst[8192] HL_L1_BSS __attribute__((aligned(8)));

static uint32_t seed = 12345;
static uint32_t rnd(void) {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
}

static void fill(void) {
    unsigned i;
    for (i = 0; i < sizeof A; i++) A[i] = (int8_t)rnd();
    for (i = 0; i < sizeof B; i++) B[i] = (int8_t)rnd();
    for (i = 0; i < MAXN; i++) {
        bias[i] = (int32_t)(rnd() % 4001) - 2000;
        mulv[i] = (int32_t)(rnd() % 301) - 100;
        addv[i] = (int32_t)(rnd() % 20001) - 10000;
    }
}

static void run(const char *what, hl_npu_job *j) {
    unsigned id = hl_npu_submit(j);
    hl_npu_wait(id);
    check_out(what, j);
}

static void test_idle_and_staging(void) {
    unsigned i;
    CHECK(hl_npu_status() == 0, "STATUS idle %lu", (unsigned long)hl_npu_status());
    CHECK(HL_NPU_RUNNING_JOB == 0xFFFFFFFFu, "RUNNING_JOB idle");
    CHECK(HL_NPU_FINISHED == 0, "FINISHED at reset");
    CHECK(HL_NPU_FINISHED_ID == 0xFFFFFFFFu, "FINISHED_ID at reset");
    CHECK(hl_npu_busy_cycles() == 0 && hl_npu_macs() == 0 && hl_npu_stall_cycles() == 0 && hl_npu_tcdm_words() == 0,
          "perf counters at reset");
    for (i = 0; i < HL_NPU_NUM_FIELDS; i++) HL_NPU_FIELD(i) = 0x01020300u + i * 0x11u;
    for (i = 0; i < HL_NPU_NUM_FIELDS; i++) CHECK(HL_NPU_FIELD(i) == 0x01020300u + i * 0x11u, "field %u read back", i);
}

/* A queue of two: the second job is acquired and programmed while the first
   runs; a third acquire fails; waiting sleeps until the NPU event. */
static void test_queue(void) {
    hl_npu_job j1, j2;
    int32_t id0, id1, busy;
    uint32_t sleep0;
    hl_npu_job_gemm(&j1, A, B, out1, 24, 48, 40);   /* 3 panels x 24 rows x 6 steps: ~450 cycles */
    hl_npu_job_gemm(&j2, A, B, out2, 16, 40, 33);
    hl_npu_job_bias(&j2, bias);
    id0 = hl_npu_acquire();
    CHECK(id0 == 0, "first ACQUIRE returns id 0, got %ld", (long)id0);
    CHECK(hl_npu_acquire() == -1, "ACQUIRE while the staging registers are locked returns -1");
    hl_npu_program(&j1);
    hl_npu_trigger();
    CHECK(hl_npu_status() == 1, "STATUS after one trigger %lu", (unsigned long)hl_npu_status());
    CHECK(HL_NPU_RUNNING_JOB == 0, "RUNNING_JOB = 0");
    id1 = hl_npu_acquire();
    CHECK(id1 == 1, "second ACQUIRE returns id 1 while job 0 runs, got %ld", (long)id1);
    hl_npu_program(&j2);
    hl_npu_trigger();
    busy = (int32_t)hl_npu_status();
    CHECK(busy == 2, "STATUS with two jobs %ld", (long)busy);
    CHECK(hl_npu_acquire() == -1, "ACQUIRE with the queue full returns -1");
    CHECK(!hl_npu_done(0) && !hl_npu_done(1), "jobs not done yet");
    sleep0 = hl_perf_read(HL_PERF_SLEEP);
    hl_npu_wait(0);
    CHECK(hl_npu_done(0), "job 0 done after wait");
    CHECK(HL_NPU_FINISHED_ID == 0 || HL_NPU_FINISHED_ID == 1, "FINISHED_ID %lu", (unsigned long)HL_NPU_FINISHED_ID);
    hl_npu_wait(1);
    CHECK(hl_perf_read(HL_PERF_SLEEP) - sleep0 > 500, "the core slept while waiting (%lu sleep cycles)",
          (unsigned long)(hl_perf_read(HL_PERF_SLEEP) - sleep0));
    CHECK(HL_NPU_FINISHED == 2, "FINISHED = 2, got %lu", (unsigned long)HL_NPU_FINISHED);
    CHECK(HL_NPU_FINISHED_ID == 1, "FINISHED_ID = 1");
    CHECK(hl_npu_status() == 0 && HL_NPU_RUNNING_JOB == 0xFFFFFFFFu, "idle again");
    check_out("queue job 0", &j1);
    check_out("queue job 1", &j2);
}

static void test_modes(void) {
    hl_npu_job j;
    /* int32 out */
    hl_npu_job_gemm(&j, A, B, out1, 17, 33, 19);
    run("int8 x int8 -> int32", &j);
    hl_npu_job_bias(&j, bias);
    run("int32 + bias", &j);
    j.field[HL_NPU_CONF] |= HL_NPU_CONF_A_UNSIGNED;
    run("uint8 A", &j);
    hl_npu_job_gemm(&j, A, B, out1, 1, 1, 1);
    run("1x1x1", &j);
    /* B^T [N, K] with padded strides, output stride padded */
    hl_npu_job_gemm(&j, A, B, out1, 9, 21, 23);
    hl_npu_job_b_trans(&j, 28);
    j.field[HL_NPU_A_STRIDE] = 32;
    j.field[HL_NPU_OUT_STRIDE] = 4 * 25;
    run("B^T, padded strides", &j);
    /* stride 0: every row of A is row 0 */
    hl_npu_job_gemm(&j, A, B, out1, 5, 12, 7);
    j.field[HL_NPU_A_STRIDE] = 0;
    run("A stride 0", &j);
    /* RequantShift per tensor: signed int8, unsigned, 16 levels, no rounding, shift 0 */
    hl_npu_job_gemm(&j, A, B, out1, 12, 40, 35);
    hl_npu_job_bias(&j, bias);
    hl_npu_job_requant(&j, 37, -500, 9, 1, 256);
    run("requant per tensor, int8", &j);
    hl_npu_job_requant(&j, 37, 30000, 9, 0, 256);
    run("requant per tensor, uint8", &j);
    hl_npu_job_requant(&j, 11, 0, 7, 1, 16);
    run("requant per tensor, 16 levels", &j);
    j.field[HL_NPU_CONF] &= ~HL_NPU_CONF_ROUND;
    run("requant without rounding", &j);
    hl_npu_job_requant(&j, 1, 0, 0, 1, 256);
    run("requant shift 0 (saturate)", &j);
    /* per channel, uint8 A, B^T */
    hl_npu_job_gemm(&j, A, B, out1, 9, 50, 37);
    hl_npu_job_requant_per_channel(&j, mulv, addv, 10, 1, 256);
    run("requant per channel", &j);
    j.field[HL_NPU_CONF] |= HL_NPU_CONF_A_UNSIGNED;
    hl_npu_job_b_trans(&j, 52);
    hl_npu_job_bias(&j, bias);
    run("requant per channel, uint8 A, B^T, bias", &j);
    hl_npu_job_requant_per_channel(&j, mulv, addv, 12, 0, 256);
    run("requant per channel, unsigned out", &j);
}

/* TCDM words of a dense job without bias or per-channel requant. */
static uint32_t words_of(uint32_t m, uint32_t k, uint32_t n, int rq) {
    const uint32_t cols = HALYARD_NPU_PE_COLS, panels = (n + cols - 1) / cols;
    uint32_t p, w = 0;
    for (p = 0; p < panels; p++) {
        uint32_t nc = n - p * cols < cols ? n - p * cols : cols;
        w += m * ((k + 3) / 4);          /* A rows, once per panel */
        w += k * ((nc + 3) / 4);         /* B lines */
        w += m * (rq ? (nc + 3) / 4 : nc);  /* output rows */
    }
    return w;
}

static volatile int noise_stop;
static volatile uint32_t core0_npu_events;
static void noisy(void *arg) {
    (void)arg;
    if (hl_core_id() == 0) {
        hl_npu_job j;
        hl_npu_job_gemm(&j, A, B, out1, 16, 64, 32);
        hl_npu_wait(hl_npu_submit(&j));
        noise_stop = 1;
    } else {
        uint32_t s = 0;
        while (!noise_stop) {
            unsigned i;
            for (i = 0; i < 16; i++) s += (uint32_t)A[4 * i + 64 * hl_core_id()];  /* every bank */
        }
        noise[hl_core_id()] = (int32_t)s;
    }
    hl_barrier();
}

/* Core 1 submits and waits: the event goes to it, not to core 0. */
static void submit_on_core1(void *arg) {
    if (hl_core_id() == 1) {
        hl_npu_job *j = (hl_npu_job *)arg;
        hl_npu_wait(hl_npu_submit(j));
    }
    hl_barrier();
}

static void test_perf_and_events(void) {
    hl_npu_job j;
    uint32_t tcdm0, stall_cores = 0, c;
    hl_npu_perf_clear();
    CHECK(hl_npu_busy_cycles() == 0 && hl_npu_macs() == 0 && hl_npu_tcdm_words() == 0, "PERF_CLEAR");
    hl_npu_job_gemm(&j, A, B, out1, 16, 72, 40);
    run("perf job", &j);
    CHECK(hl_npu_macs() == 16u * 72u * 40u, "MACs %lu", (unsigned long)hl_npu_macs());
    CHECK(hl_npu_tcdm_words() == words_of(16, 72, 40, 0), "TCDM words %lu, expected %lu",
          (unsigned long)hl_npu_tcdm_words(), (unsigned long)words_of(16, 72, 40, 0));
    CHECK(hl_npu_stall_cycles() == 0, "no stalls alone: %lu", (unsigned long)hl_npu_stall_cycles());
    CHECK(hl_npu_busy_cycles() >= 16u * 72u * 40u / HALYARD_NPU_MACS_PER_CYCLE, "busy cycles %lu",
          (unsigned long)hl_npu_busy_cycles());
    printf("perf job 16x72x40: %lu busy cycles, %lu MACs, %lu words\n", (unsigned long)hl_npu_busy_cycles(),
           (unsigned long)hl_npu_macs(), (unsigned long)hl_npu_tcdm_words());

    /* 7 cores load from L1 while the NPU runs: both sides see conflicts. */
    hl_npu_perf_clear();
    tcdm0 = 0;
    for (c = 1; c < HALYARD_CORES; c++) tcdm0 += hl_perf_read_core(c, HL_PERF_TCDM_STALL);
    noise_stop = 0;
    hl_fork(0, noisy, 0);
    for (c = 1; c < HALYARD_CORES; c++) stall_cores += hl_perf_read_core(c, HL_PERF_TCDM_STALL);
    stall_cores -= tcdm0;
    hl_npu_job_gemm(&j, A, B, out1, 16, 64, 32);
    check_out("job beside 7 loading cores", &j);
    CHECK(hl_npu_stall_cycles() == 0, "the NPU wins banks over the cores: %lu stalls", (unsigned long)hl_npu_stall_cycles());
    CHECK(stall_cores > 0, "core TCDM stalls with the NPU on the banks");
    printf("beside 7 cores: NPU %lu stall cycles of %lu busy; cores %lu TCDM stall cycles\n",
           (unsigned long)hl_npu_stall_cycles(), (unsigned long)hl_npu_busy_cycles(), (unsigned long)stall_cores);

    /* A DMA transfer into L1 at the same time: the DMA wins, the NPU stalls. */
    hl_npu_perf_clear();
    {
        unsigned dma = hl_dma_1d(dma_dst, dma_src, sizeof dma_dst);
        unsigned id = hl_npu_submit(&j);
        hl_npu_wait(id);
        hl_dma_wait(dma);
    }
    check_out("job beside a DMA transfer", &j);
    CHECK(hl_npu_stall_cycles() > 0, "NPU stalls with the DMA on the banks");
    printf("beside the DMA: NPU %lu stall cycles of %lu busy\n", (unsigned long)hl_npu_stall_cycles(),
           (unsigned long)hl_npu_busy_cycles());

    /* The event goes to the submitting core only. */
    HL_EU_CLEAR = HL_EVT_NPU;
    hl_npu_job_gemm(&j, A, B, out2, 8, 16, 8);
    hl_fork(2, submit_on_core1, &j);
    CHECK((HL_EU_BUFFER & HL_EVT_NPU) == 0, "core 0 got no NPU event for core 1's job");
    check_out("job of core 1", &j);
}

int main(void) {
    fill();
    test_idle_and_staging();
    test_queue();
    test_modes();
    test_perf_and_events();
    if (failures) {
        printf("npu_directed: %d failures\n", failures);
        return 1;
    }
    printf("npu_directed: ok\n");
    return 0;
}
