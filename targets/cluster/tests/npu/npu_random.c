/* Randomized NPU jobs (npu_random_cases.c, from the C++ reference on the
   host): operands copied into L1 by DMA, the output buffer filled with a
   canary, the job run, and the whole output region (written elements and the
   gaps between rows) compared byte for byte. Also checks that the MAC
   counter advances by M*K*N per job. The cases after the first ones keep
   some of B, bias, mul and add in the NPU's weight memory (npu_wm_blob,
   loaded there with the program), read by the engine in place. */
#include "halyard_npu.h"
#include "halyard_rt.h"
#include "npu_cases.h"

#define BUF_BYTES (24 * 1024)
static uint8_t l1_a[BUF_BYTES] HL_L1_BSS __attribute__((aligned(4)));
static uint8_t l1_b[BUF_BYTES] HL_L1_BSS __attribute__((aligned(4)));
static uint8_t l1_out[BUF_BYTES] HL_L1_BSS __attribute__((aligned(4)));
static int32_t l1_bias[1024] HL_L1_BSS;
static int32_t l1_mul[1024] HL_L1_BSS;
static int32_t l1_add[1024] HL_L1_BSS;

static void copy_in(void *dst, const uint8_t *src, uint32_t bytes) {
    if (bytes) hl_dma_wait(hl_dma_1d(dst, src, bytes));
}

/* " wm B+bias" for the operands in the weight memory, "" for none. */
static const char *wm_where(uint32_t in_wm) {
    static char buf[32];
    static const char *const names[4] = {"B", "bias", "mul", "add"};
    char *p = buf;
    if (!in_wm) return "";
    for (const char *s = " wm "; *s; s++) *p++ = *s;
    for (unsigned i = 0; i < 4; i++) {
        if (!(in_wm & (1u << i))) continue;
        if (p[-1] != ' ') *p++ = '+';
        for (const char *s = names[i]; *s; s++) *p++ = *s;
    }
    *p = 0;
    return buf;
}

int main(void) {
    unsigned failures = 0;
    for (unsigned c = 0; c < npu_case_count; c++) {
        const npu_case *t = &npu_cases[c];
        const int requant = (t->conf & HL_NPU_CONF_REQUANT) != 0;
        const int per_channel = requant && (t->conf & HL_NPU_CONF_PER_CHANNEL);
        copy_in(l1_a, npu_blob + t->a_off, t->a_bytes);
        const uint8_t *b = (t->in_wm & NPU_WM_B) ? npu_wm_blob + t->b_off : l1_b;
        const int32_t *bias = (t->in_wm & NPU_WM_BIAS) ? (const int32_t *)(npu_wm_blob + t->bias_off) : l1_bias;
        const int32_t *mul = (t->in_wm & NPU_WM_MUL) ? (const int32_t *)(npu_wm_blob + t->mul_off) : l1_mul;
        const int32_t *add = (t->in_wm & NPU_WM_ADD) ? (const int32_t *)(npu_wm_blob + t->add_off) : l1_add;
        if (!(t->in_wm & NPU_WM_B)) copy_in(l1_b, npu_blob + t->b_off, t->b_bytes);
        if (!(t->in_wm & NPU_WM_BIAS)) copy_in(l1_bias, npu_blob + t->bias_off, 4u * (uint32_t)t->n);
        if (!(t->in_wm & NPU_WM_MUL)) copy_in(l1_mul, npu_blob + t->mul_off, 4u * (uint32_t)t->n);
        if (!(t->in_wm & NPU_WM_ADD)) copy_in(l1_add, npu_blob + t->add_off, 4u * (uint32_t)t->n);
        memset(l1_out, (int)NPU_CANARY, t->out_bytes);

        hl_npu_job j;
        hl_npu_job_gemm(&j, l1_a, (const int8_t *)b, l1_out, (uint32_t)t->m, (uint32_t)t->k, (uint32_t)t->n);
        j.field[HL_NPU_A_STRIDE] = (uint32_t)t->a_stride;
        j.field[HL_NPU_B_STRIDE] = (uint32_t)t->b_stride;
        j.field[HL_NPU_OUT_STRIDE] = (uint32_t)t->out_stride;
        j.field[HL_NPU_BIAS_PTR] = t->has_bias ? (uint32_t)(uintptr_t)bias : 0u;
        j.field[HL_NPU_MUL] = per_channel ? (uint32_t)(uintptr_t)mul : (uint32_t)t->mul;
        j.field[HL_NPU_ADD] = per_channel ? (uint32_t)(uintptr_t)add : (uint32_t)t->add;
        j.field[HL_NPU_SHIFT] = (uint32_t)t->shift;
        j.field[HL_NPU_CONF] = t->conf;
        j.field[HL_NPU_CLIP_LO] = (uint32_t)t->clip_lo;
        j.field[HL_NPU_CLIP_HI] = (uint32_t)t->clip_hi;

        uint64_t macs0 = hl_npu_macs();
        uint64_t t0 = hl_cycles();
        unsigned id = hl_npu_submit(&j);
        hl_npu_wait(id);
        uint64_t cycles = hl_cycles() - t0;
        uint64_t macs = hl_npu_macs() - macs0;

        const uint8_t *expect = npu_blob + t->expect_off;
        int bad = -1;
        for (uint32_t i = 0; i < t->out_bytes; i++) {
            if (l1_out[i] != expect[i]) {
                bad = (int)i;
                break;
            }
        }
        uint64_t want_macs = (uint64_t)t->m * (uint64_t)t->k * (uint64_t)t->n;
        printf("case %2u: M %3ld K %3ld N %3ld conf 0x%02lx shift %2ld clip [%ld, %ld] bias %ld%s: %lu cycles, %s\n", c,
               (long)t->m, (long)t->k, (long)t->n, (long)t->conf, (long)t->shift, (long)t->clip_lo, (long)t->clip_hi,
               (long)t->has_bias, wm_where(t->in_wm), (unsigned long)cycles, bad < 0 && macs == want_macs ? "ok" : "FAIL");
        if (bad >= 0) {
            printf("  first difference at output byte %d: got 0x%02x, expected 0x%02x\n", bad, l1_out[bad], expect[bad]);
            failures++;
        }
        if (macs != want_macs) {
            printf("  MAC counter advanced by %lu, expected %lu\n", (unsigned long)macs, (unsigned long)want_macs);
            failures++;
        }
    }
    printf("npu_random: %u cases, %u failures\n", npu_case_count, failures);
    return failures ? 1 : 0;
}
