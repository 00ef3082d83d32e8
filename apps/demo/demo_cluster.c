/* The demo layer generated for the cluster (target cluster: 8 cores, DMA),
 * run on the Verilator model, checked against the same plain C loop. */
#include "demo_ffn_up_cluster.h"
#include "demo_layer.h"
#include "halyard_rt.h"

static int8_t X[DEMO_M * DEMO_K], W[DEMO_N * DEMO_K], Y[DEMO_M * DEMO_N];
static int32_t bias[DEMO_N], mul[DEMO_N], add[1];

int main(void) {
    int bad, saturated;
    uint64_t t0, t1;
    demo_fill(X, W, bias, mul, add);
    t0 = hl_cycles();
    demo_ffn_up_cluster(X, W, bias, mul, add, Y);
    t1 = hl_cycles();
    bad = demo_check(X, W, bias, mul, add, Y, &saturated);
    printf("    %u cycles on %d cores (%u MACs), result check: %s (%d of %d outputs differ)\n", (unsigned)(t1 - t0),
           HALYARD_CORES, (unsigned)(DEMO_M * DEMO_N * DEMO_K), bad ? "FAIL" : "PASS", bad, DEMO_M * DEMO_N);
    return bad != 0;
}
