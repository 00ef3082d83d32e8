/* A job the NPU must refuse: the simulation stops with a message naming the
   job, the field and its value (CTest matches it). One case per -D flag. */
#include "halyard_npu.h"
#include "halyard_rt.h"

static int8_t A[64 * 64] HL_L1_BSS __attribute__((aligned(4)));
static int8_t B[64 * 64] HL_L1_BSS __attribute__((aligned(4)));
static int32_t out[64 * 64] HL_L1_BSS;
#if defined(BAD_A_PTR)
static const int8_t in_l2[64 * 64] __attribute__((aligned(4))) = {1};
#endif

int main(void) {
    hl_npu_job j;
    hl_npu_job_gemm(&j, A, B, out, 16, 16, 16);
#if defined(BAD_K)
    j.field[HL_NPU_K] = 0;
#elif defined(BAD_A_PTR)
    j.field[HL_NPU_A_PTR] = (uint32_t)(uintptr_t)in_l2;  /* the NPU reads L1 only */
#elif defined(BAD_OUT_RANGE)
    hl_npu_wait(hl_npu_submit(&j));                      /* job 0 is fine */
    j.field[HL_NPU_OUT_PTR] = (uint32_t)HALYARD_L1_BASE + (uint32_t)HALYARD_L1_SIZE - 256u;  /* 1 KiB of output, 256 B left */
#elif defined(BAD_B_WMEM)
    /* B in the weight memory, its 16 x 16 bytes running past the window's end. */
    j.field[HL_NPU_B_PTR] = (uint32_t)HALYARD_NPU_WEIGHT_MEM_BASE + (uint32_t)HALYARD_NPU_WEIGHT_MEM_BYTES - 16u;
#elif defined(BAD_CLIP)
    hl_npu_job_requant(&j, 1, 0, 4, 0, 256);
    j.field[HL_NPU_CLIP_HI] = 300;
#endif
    hl_npu_wait(hl_npu_submit(&j));
    printf("the NPU accepted a bad job\n");
    return 1;
}
