/* Calls a Halyard-generated GEMM and checks it against a plain C loop. */
#include <stdio.h>

#include "consumer_gemm.h"

int main(void) {
    static int8_t A[6 * 33], B[33 * 10], Y[6 * 10];
    static int32_t C[10], mul[1] = {5}, add[1] = {-3};
    int i, m, n, k, bad = 0;
    for (i = 0; i < 6 * 33; i++) A[i] = (int8_t)(i * 7 - 100);
    for (i = 0; i < 33 * 10; i++) B[i] = (int8_t)(i * 13 + 5);
    for (i = 0; i < 10; i++) C[i] = i * 100 - 400;
    consumer_gemm(A, B, C, mul, add, Y);
    for (m = 0; m < 6; m++) {
        for (n = 0; n < 10; n++) {
            int32_t acc = C[n], v;
            for (k = 0; k < 33; k++) acc += A[m * 33 + k] * B[k * 10 + n];
            v = (acc * mul[0] + add[0] + 64) >> 7;
            v = v < -128 ? -128 : v > 127 ? 127 : v;
            bad += Y[m * 10 + n] != v;
        }
    }
    printf("consumer_gemm: %d of %d outputs differ\n", bad, 6 * 10);
    return bad != 0;
}
