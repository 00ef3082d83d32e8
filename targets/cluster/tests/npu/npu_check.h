/* Shared by the NPU's directed tests: CHECK, and the scalar reference of a
   job's output on the core (the same semantics as the C++ reference,
   targets/cluster/npu/npu_reference.h), reading the operands wherever the job
   points (L1, or the weight memory over the cluster bus). */
#ifndef NPU_CHECK_H
#define NPU_CHECK_H
#include "halyard_npu.h"
#include "halyard_rt.h"

static int failures;
#define CHECK(cond, ...)                                       \
    do {                                                       \
        if (!(cond)) {                                         \
            printf("FAIL line %d: ", __LINE__);                \
            printf(__VA_ARGS__);                               \
            printf("\n");                                      \
            failures++;                                        \
        }                                                      \
    } while (0)

/* One output element as the NPU must compute it (int32 wrapping). */
static int32_t ref(const hl_npu_job *j, uint32_t m, uint32_t n) {
    const uint32_t *f = j->field, conf = f[HL_NPU_CONF], kk = f[HL_NPU_K];
    const uint8_t *a = (const uint8_t *)(uintptr_t)f[HL_NPU_A_PTR] + m * f[HL_NPU_A_STRIDE];
    const int8_t *b = (const int8_t *)(uintptr_t)f[HL_NPU_B_PTR];
    const uint32_t bstep = (conf & HL_NPU_CONF_B_TRANS) ? 1u : f[HL_NPU_B_STRIDE];
    uint32_t acc = 0, k;
    b += (conf & HL_NPU_CONF_B_TRANS) ? n * f[HL_NPU_B_STRIDE] : n;
    if (conf & HL_NPU_CONF_A_UNSIGNED) {
        for (k = 0; k < kk; k++, b += bstep) acc += (uint32_t)((int32_t)a[k] * *b);
    } else {
        for (k = 0; k < kk; k++, b += bstep) acc += (uint32_t)((int32_t)(int8_t)a[k] * *b);
    }
    if (f[HL_NPU_BIAS_PTR]) acc += (uint32_t)((const int32_t *)(uintptr_t)f[HL_NPU_BIAS_PTR])[n];
    if (conf & HL_NPU_CONF_REQUANT) {
        int pc = (conf & HL_NPU_CONF_PER_CHANNEL) != 0;
        uint32_t mul = pc ? (uint32_t)((const int32_t *)(uintptr_t)f[HL_NPU_MUL])[n] : f[HL_NPU_MUL];
        uint32_t add = pc ? (uint32_t)((const int32_t *)(uintptr_t)f[HL_NPU_ADD])[n] : f[HL_NPU_ADD];
        uint32_t s = f[HL_NPU_SHIFT];
        int32_t x, lo = (int32_t)f[HL_NPU_CLIP_LO], hi = (int32_t)f[HL_NPU_CLIP_HI];
        acc = acc * mul + add;
        if ((conf & HL_NPU_CONF_ROUND) && s > 0) acc += 1u << (s - 1);
        x = (int32_t)acc >> s;
        if (x < lo) x = lo;
        if (x > hi) x = hi;
        return x;
    }
    return (int32_t)acc;
}

/* Compares a finished job's output with ref(); 8-bit outputs are read signed
   or unsigned as CLIP_LO says. */
static void check_out(const char *what, const hl_npu_job *j) {
    const uint32_t *f = j->field;
    const int rq = (f[HL_NPU_CONF] & HL_NPU_CONF_REQUANT) != 0, sgn = (int32_t)f[HL_NPU_CLIP_LO] < 0;
    uint32_t m, n, bad = 0;
    for (m = 0; m < f[HL_NPU_M]; m++) {
        for (n = 0; n < f[HL_NPU_N]; n++) {
            const uint8_t *row = (const uint8_t *)(uintptr_t)f[HL_NPU_OUT_PTR] + m * f[HL_NPU_OUT_STRIDE];
            int32_t got = rq ? (sgn ? (int32_t)(int8_t)row[n] : (int32_t)row[n]) : ((const int32_t *)row)[n];
            int32_t want = ref(j, m, n);
            if (got != want) {
                if (bad++ < 3) printf("  %s: out[%lu][%lu] = %ld, expected %ld\n", what, (unsigned long)m, (unsigned long)n, (long)got, (long)want);
            }
        }
    }
    CHECK(bad == 0, "%s: %lu wrong outputs", what, (unsigned long)bad);
}

#endif
