/* The demo layer's data and plain-C reference, shared by the host demo and
 * the cluster program: an FFN up-projection Y[16,256] = X[16,64] W[256,64]^T
 * + bias, per-channel requantization to int8. */
#ifndef DEMO_LAYER_H
#define DEMO_LAYER_H

#include <stdint.h>

enum { DEMO_M = 16, DEMO_K = 64, DEMO_N = 256, DEMO_LOG2D = 12 };

static uint32_t demo_rng = 12345u;
static int32_t demo_random(int32_t lo, int32_t hi) {
    demo_rng = demo_rng * 1664525u + 1013904223u;
    return lo + (int32_t)((demo_rng >> 8) % (uint32_t)(hi - lo + 1));
}

static void demo_fill(int8_t *X, int8_t *W, int32_t *bias, int32_t *mul, int32_t *add) {
    int i;
    for (i = 0; i < DEMO_M * DEMO_K; i++) X[i] = (int8_t)demo_random(-128, 127);
    for (i = 0; i < DEMO_N * DEMO_K; i++) W[i] = (int8_t)demo_random(-128, 127);
    for (i = 0; i < DEMO_N; i++) {
        bias[i] = demo_random(-20000, 20000);
        mul[i] = demo_random(1, 12);
    }
    add[0] = -77;
}

/* Number of outputs of Y that differ from a plain C loop; *saturated counts
   outputs clipped by the requantization. */
static int demo_check(const int8_t *X, const int8_t *W, const int32_t *bias, const int32_t *mul,
                      const int32_t *add, const int8_t *Y, int *saturated) {
    int m, n, k, bad = 0;
    *saturated = 0;
    for (m = 0; m < DEMO_M; m++) {
        for (n = 0; n < DEMO_N; n++) {
            int32_t acc = 0, v;
            for (k = 0; k < DEMO_K; k++) acc += X[m * DEMO_K + k] * W[n * DEMO_K + k];
            v = ((acc + bias[n]) * mul[n] + add[0] + (1 << (DEMO_LOG2D - 1))) >> DEMO_LOG2D;
            if (v < -128 || v > 127) (*saturated)++;
            v = v < -128 ? -128 : v > 127 ? 127 : v;
            bad += Y[m * DEMO_N + n] != v;
        }
    }
    return bad;
}

#endif
