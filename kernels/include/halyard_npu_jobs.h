/* The NPU calls the backend prints for stages mapped by map_npu_jobs (the
   registry entry npu_gemm, halyard/npu_jobs.h): submit one job from its
   register values (docs/npu.md: field order of the job registers) and wait
   for it. Addresses are 32-bit L1 addresses. */
#ifndef HALYARD_NPU_JOBS_H
#define HALYARD_NPU_JOBS_H
#include <stdint.h>

#include "halyard_npu.h"

/* The id of the last job this file submitted (hy_npu_wait_last). */
static uint32_t hy_npu_last_job;

static inline uint32_t hy_npu_submit_gemm(uint32_t a, uint32_t b, uint32_t bias, uint32_t out, uint32_t a_stride,
                                          uint32_t b_stride, uint32_t out_stride, uint32_t m, uint32_t k, uint32_t n,
                                          uint32_t mul, uint32_t add, uint32_t shift, uint32_t conf, uint32_t clip_lo,
                                          uint32_t clip_hi) {
    hl_npu_job j;
    j.field[HL_NPU_A_PTR] = a;
    j.field[HL_NPU_B_PTR] = b;
    j.field[HL_NPU_BIAS_PTR] = bias;
    j.field[HL_NPU_OUT_PTR] = out;
    j.field[HL_NPU_A_STRIDE] = a_stride;
    j.field[HL_NPU_B_STRIDE] = b_stride;
    j.field[HL_NPU_OUT_STRIDE] = out_stride;
    j.field[HL_NPU_M] = m;
    j.field[HL_NPU_K] = k;
    j.field[HL_NPU_N] = n;
    j.field[HL_NPU_MUL] = mul;
    j.field[HL_NPU_ADD] = add;
    j.field[HL_NPU_SHIFT] = shift;
    j.field[HL_NPU_CONF] = conf;
    j.field[HL_NPU_CLIP_LO] = clip_lo;
    j.field[HL_NPU_CLIP_HI] = clip_hi;
    hy_npu_last_job = hl_npu_submit(&j);
    return hy_npu_last_job;
}

static inline void hy_npu_wait_job(uint32_t id) { hl_npu_wait(id); }

/* Jobs finish in order: when the last one is done, all are. */
static inline void hy_npu_wait_last(void) { hl_npu_wait(hy_npu_last_job); }

#endif
