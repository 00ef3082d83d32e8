/* Randomized NPU jobs with their expected outputs (npu_random_cases.c,
   written by npu-gen from the C++ reference). Offsets are into npu_blob, or
   into npu_wm_blob (in the NPU's weight memory) for the operands in_wm names. */
#ifndef NPU_CASES_H
#define NPU_CASES_H
#include <stdint.h>

#define NPU_CANARY 0xA5u

typedef struct {
    int32_t m, k, n;
    uint32_t conf;
    int32_t a_stride, b_stride, out_stride;  /* bytes */
    int32_t shift;
    int32_t mul, add, clip_lo, clip_hi;      /* mul/add: per-tensor values */
    int32_t has_bias;
    uint32_t a_off, b_off, bias_off, mul_off, add_off, expect_off;
    uint32_t a_bytes, b_bytes, out_bytes;
    uint32_t in_wm;  /* NPU_WM_*: operands whose offsets are into npu_wm_blob (the weight memory) */
} npu_case;

#define NPU_WM_B    1u
#define NPU_WM_BIAS 2u
#define NPU_WM_MUL  4u
#define NPU_WM_ADD  8u

extern const unsigned npu_case_count;
extern const npu_case npu_cases[];
extern const uint8_t npu_blob[];
extern uint8_t npu_wm_blob[];  /* section .npu_weights */

#endif
