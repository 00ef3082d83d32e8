/* Simulator speed benchmark: every core runs an L1 load/compute loop (about
   2 M cluster cycles); the simulator reports cycles per second. */
#include "halyard_rt.h"
#include "halyard_xpulp.h"

static uint32_t data[HALYARD_CORES][256] HL_L1_BSS;
static volatile uint32_t sums[HALYARD_CORES] HL_L1_BSS;

static void spin(void *arg) {
    unsigned me = hl_core_id();
    uint32_t s = 0;
    for (int r = 0; r < 3000; r++) {
        const uint32_t *p = data[me];
        for (int i = 0; i < 256; i += 4) {
            s = (uint32_t)hl_sdotsp_b((int32_t)s, p[i], p[i + 1]);
            s += p[i + 2] * p[i + 3];
        }
    }
    sums[me] = s;
    (void)arg;
}

int main(void) {
    uint64_t t0 = hl_cycles();
    hl_fork(0, spin, 0);
    hl_printf("sim_speed: %lu cycles with all %d cores busy\n", (uint32_t)(hl_cycles() - t0), HALYARD_CORES);
    return 0;
}
