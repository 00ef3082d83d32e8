/* Calls a network built by halyard_add_network() (Deeploy's Add/Regular:
 * two int8 [1,5,5,5] inputs, an int32 output) and checks it against a loop. */
#include <stdio.h>

#include "net_add.h"

int main(void) {
    static int8_t a[125], b[125];
    static int32_t y[125];
    int i, bad = 0;
    for (i = 0; i < 125; i++) {
        a[i] = (int8_t)(i - 62);
        b[i] = (int8_t)((i * 37) % 256 - 128);
    }
    if (net_add_run(a, b, y) != 0) return 1;
    for (i = 0; i < 125; i++) bad += y[i] != (int32_t)a[i] + (int32_t)b[i];
    printf("net_add: %d mismatches of 125 (%d kernel calls)\n", bad, NET_ADD_NUM_CALLS);
    return bad != 0;
}
