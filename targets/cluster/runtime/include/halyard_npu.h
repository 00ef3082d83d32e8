/* The cluster's NPU: an int8 matrix engine beside the cores (docs/npu.md,
   registers in targets/cluster/rtl/halyard_npu_pkg.sv).

     out[M, N] = requant(A[M, K] x B[K, N] + bias[N])
       A int8 or uint8, B int8 (or stored as B^T [N, K]); bias int32 (optional);
       requant: Deeploy's RequantShift in int32, per tensor or per output
       column, clip to an 8-bit range; or the raw int32 sums.
     A and the output must be in L1; B, bias, mul and add each wholly in L1
     or wholly in the NPU's weight memory (HL_NPU_WEIGHTS, hl_in_npu_weights
     in halyard_rt.h: read through the engine's own port, no TCDM traffic).
     Every operand word aligned, with row strides that are multiples of 4
     bytes; K <= HALYARD_NPU_MAX_K. A bad job stops the simulation naming
     the field.

   Use:
     hl_npu_job j;
     hl_npu_job_gemm(&j, A, B, out, M, K, N);          dense rows, int32 out
     hl_npu_job_requant(&j, mul, add, log2d, 1, 256);  optional: int8 out
     unsigned id = hl_npu_submit(&j);                  queue it (returns at once)
     ... the cores do something else ...
     hl_npu_wait(id);                                  sleep until it is done

   Jobs run in submission order; the queue holds HALYARD_NPU_JOB_QUEUE jobs
   (the running one included), so the next job can be submitted while one
   runs. The completion event (eu.event.npu) goes to the core that submitted
   the job: call hl_npu_wait on that core. hl_npu_done polls from any core. */
#ifndef HALYARD_NPU_H
#define HALYARD_NPU_H
#include <stddef.h>
#include <stdint.h>
#include "halyard_rt.h"
#ifdef __cplusplus
extern "C" {
#endif

#define HL_NPU_REG(off) HL_REG32(HALYARD_NPU_BASE + (off))
#define HL_NPU_TRIGGER      HL_NPU_REG(0x00)
#define HL_NPU_ACQUIRE      HL_NPU_REG(0x04)
#define HL_NPU_FINISHED     HL_NPU_REG(0x08)
#define HL_NPU_STATUS       HL_NPU_REG(0x0C)
#define HL_NPU_RUNNING_JOB  HL_NPU_REG(0x10)
#define HL_NPU_PERF_CLEAR   HL_NPU_REG(0x14)
#define HL_NPU_FINISHED_ID  HL_NPU_REG(0x18)
#define HL_NPU_FIELD(i)     HL_NPU_REG(0x20 + 4 * (i))
#define HL_NPU_BUSY_CYCLES  HL_NPU_REG(0x80)
#define HL_NPU_STALL_CYCLES HL_NPU_REG(0x84)
#define HL_NPU_MACS_LO      HL_NPU_REG(0x88)
#define HL_NPU_MACS_HI      HL_NPU_REG(0x8C)
#define HL_NPU_TCDM_WORDS   HL_NPU_REG(0x90)
#define HL_NPU_WMEM_BYTES   HL_NPU_REG(0x94)

/* Job fields, in register order (HL_NPU_FIELD(i)). */
enum hl_npu_field {
    HL_NPU_A_PTR = 0, HL_NPU_B_PTR, HL_NPU_BIAS_PTR, HL_NPU_OUT_PTR,
    HL_NPU_A_STRIDE, HL_NPU_B_STRIDE, HL_NPU_OUT_STRIDE,
    HL_NPU_M, HL_NPU_K, HL_NPU_N,
    HL_NPU_MUL, HL_NPU_ADD, HL_NPU_SHIFT, HL_NPU_CONF, HL_NPU_CLIP_LO, HL_NPU_CLIP_HI,
    HL_NPU_NUM_FIELDS
};

/* CONF bits. */
#define HL_NPU_CONF_REQUANT     (1u << 0)  /* 8-bit output through RequantShift (else int32) */
#define HL_NPU_CONF_PER_CHANNEL (1u << 1)  /* MUL/ADD point to int32[N] (else values for all) */
#define HL_NPU_CONF_A_UNSIGNED  (1u << 2)  /* A is uint8 */
#define HL_NPU_CONF_B_TRANS     (1u << 3)  /* B stored [N, K], rows B_STRIDE apart */
#define HL_NPU_CONF_ROUND       (1u << 4)  /* add 2^(shift-1) before the shift (Deeploy's rounding) */

/* A job: the register values, in register order. */
typedef struct hl_npu_job {
    uint32_t field[HL_NPU_NUM_FIELDS];
} hl_npu_job;

static inline uint32_t hl_npu_addr_(const void *p) { return (uint32_t)(uintptr_t)p; }

/* A dense GEMM: A [M, K] (rows K bytes apart, rounded up to words), B [K, N]
   (rows N bytes apart, rounded up), int32 out [M, N] (rows 4N bytes apart);
   no bias, no requantization. Strides can be changed afterwards. */
static inline void hl_npu_job_gemm(hl_npu_job *j, const void *a, const int8_t *b, void *out, uint32_t m,
                                   uint32_t k, uint32_t n) {
    unsigned i;
    for (i = 0; i < HL_NPU_NUM_FIELDS; i++) j->field[i] = 0;
    j->field[HL_NPU_A_PTR] = hl_npu_addr_(a);
    j->field[HL_NPU_B_PTR] = hl_npu_addr_(b);
    j->field[HL_NPU_OUT_PTR] = hl_npu_addr_(out);
    j->field[HL_NPU_A_STRIDE] = (k + 3u) & ~3u;
    j->field[HL_NPU_B_STRIDE] = (n + 3u) & ~3u;
    j->field[HL_NPU_OUT_STRIDE] = 4u * n;
    j->field[HL_NPU_M] = m;
    j->field[HL_NPU_K] = k;
    j->field[HL_NPU_N] = n;
}

static inline void hl_npu_job_bias(hl_npu_job *j, const int32_t *bias) { j->field[HL_NPU_BIAS_PTR] = hl_npu_addr_(bias); }

/* B given as B^T [N, K], rows b_stride bytes apart. */
static inline void hl_npu_job_b_trans(hl_npu_job *j, uint32_t b_stride) {
    j->field[HL_NPU_CONF] |= HL_NPU_CONF_B_TRANS;
    j->field[HL_NPU_B_STRIDE] = b_stride;
}

/* 8-bit output with Deeploy's RequantShift (rounding on): per tensor mul/add,
   divisor 2^log2d, n_levels levels signed (-n/2..n/2-1) or unsigned (0..n-1).
   The output rows become N bytes apart (rounded up to words). */
static inline void hl_npu_job_requant(hl_npu_job *j, int32_t mul, int32_t add, uint32_t log2d, int signed_out,
                                      uint32_t n_levels) {
    j->field[HL_NPU_CONF] = (j->field[HL_NPU_CONF] & ~HL_NPU_CONF_PER_CHANNEL) | HL_NPU_CONF_REQUANT | HL_NPU_CONF_ROUND;
    j->field[HL_NPU_MUL] = (uint32_t)mul;
    j->field[HL_NPU_ADD] = (uint32_t)add;
    j->field[HL_NPU_SHIFT] = log2d;
    j->field[HL_NPU_CLIP_LO] = signed_out ? (uint32_t)(-(int32_t)(n_levels / 2)) : 0u;
    j->field[HL_NPU_CLIP_HI] = signed_out ? n_levels / 2 - 1 : n_levels - 1;
    j->field[HL_NPU_OUT_STRIDE] = (j->field[HL_NPU_N] + 3u) & ~3u;
}

/* The same with mul[N] and add[N] per output column. */
static inline void hl_npu_job_requant_per_channel(hl_npu_job *j, const int32_t *mul, const int32_t *add, uint32_t log2d,
                                                  int signed_out, uint32_t n_levels) {
    hl_npu_job_requant(j, 0, 0, log2d, signed_out, n_levels);
    j->field[HL_NPU_CONF] |= HL_NPU_CONF_PER_CHANNEL;
    j->field[HL_NPU_MUL] = hl_npu_addr_(mul);
    j->field[HL_NPU_ADD] = hl_npu_addr_(add);
}

/* Lock the staging registers: the job id, or -1 when the queue is full or
   another core is programming a job. */
static inline int32_t hl_npu_acquire(void) { return (int32_t)HL_NPU_ACQUIRE; }

/* Write the job's fields (after a successful acquire), then trigger. */
static inline void hl_npu_program(const hl_npu_job *j) {
    unsigned i;
    for (i = 0; i < HL_NPU_NUM_FIELDS; i++) HL_NPU_FIELD(i) = j->field[i];
}
static inline void hl_npu_trigger(void) { HL_NPU_TRIGGER = 0; }

/* Acquire (polling while the queue is full), program, trigger: the job id. */
static inline unsigned hl_npu_submit(const hl_npu_job *j) {
    int32_t id;
    while ((id = hl_npu_acquire()) < 0) {
    }
    hl_npu_program(j);
    hl_npu_trigger();
    return (unsigned)id;
}

/* Whether job `id` has finished (jobs finish in id order). */
static inline int hl_npu_done(unsigned id) { return (int32_t)(HL_NPU_FINISHED - id) > 0; }

/* Sleeps on the NPU event until job `id` has finished; call it on the core
   that submitted the job. */
static inline void hl_npu_wait(unsigned id) {
    uint32_t old = HL_EU_MASK;
    HL_EU_MASK = HL_EVT_NPU;
    while (!hl_npu_done(id)) (void)HL_EU_WAIT;
    HL_EU_MASK = old;
}

/* Jobs queued or running (0: idle). */
static inline uint32_t hl_npu_status(void) { return HL_NPU_STATUS; }

/* Perf counters: cycles with a job running, cycles with a refused TCDM
   request, useful MACs, TCDM words moved. */
static inline void hl_npu_perf_clear(void) { HL_NPU_PERF_CLEAR = 0; }
static inline uint32_t hl_npu_busy_cycles(void) { return HL_NPU_BUSY_CYCLES; }
static inline uint32_t hl_npu_stall_cycles(void) { return HL_NPU_STALL_CYCLES; }
static inline uint32_t hl_npu_tcdm_words(void) { return HL_NPU_TCDM_WORDS; }
/* Bytes read from the weight memory (whole words) since the last clear. */
static inline uint32_t hl_npu_weight_mem_bytes(void) { return HL_NPU_WMEM_BYTES; }
static inline uint64_t hl_npu_macs(void) {
    uint32_t hi, lo;
    do {
        hi = HL_NPU_MACS_HI;
        lo = HL_NPU_MACS_LO;
    } while (hi != HL_NPU_MACS_HI);
    return ((uint64_t)hi << 32) | lo;
}

#ifdef __cplusplus
}
#endif
#endif
