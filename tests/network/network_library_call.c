/* Calls the network halyard_add_network() built from make_test_model's graph
 * (x int8 [3, 5] -> RequantShift(mul 3, add 1, div 2) -> + offset -> y int32)
 * and checks it against a plain loop. */
#include <stdio.h>

#include "net_small.h"

int main(void) {
    static const int32_t offset[5] = {10, -20, 30, -40, 50};
    int8_t x[15];
    int32_t y[15];
    int i, bad = 0;
    for (i = 0; i < 15; i++) x[i] = (int8_t)(i * 19 - 128);
    if (net_small_run(x, y) != 0) return 1;
    for (i = 0; i < 15; i++) {
        int32_t r = (x[i] * 3 + 1 + 1) >> 1; /* round half up, div 2 */
        r = r < -128 ? -128 : r > 127 ? 127 : r;
        bad += y[i] != r + offset[i % 5];
    }
    printf("net_small: %d mismatches of 15 (%d kernel calls)\n", bad, NET_SMALL_NUM_CALLS);
    return bad != 0;
}
