/* Runtime pieces not covered elsewhere: the L1/L2 bump allocators, initialised
   L1 data (.l1_data, loaded by the simulator), the static arenas, perf
   counter reset, the cycle timer, and printf formats. */
#include "halyard_rt.h"

static uint32_t l1_init[4] HL_L1_DATA = {0x11111111u, 0x22222222u, 0x33333333u, 0x44444444u};
static uint8_t l1_arena[1000] HL_L1_BSS;
static uint8_t l2_arena[1000] HL_L2_BSS;
static int failures;

static int in_l1(const void *p) {
    uintptr_t a = (uintptr_t)p;
    return a >= HALYARD_L1_BASE && a < HALYARD_L1_BASE + HALYARD_L1_SIZE;
}
static int in_l2(const void *p) {
    uintptr_t a = (uintptr_t)p;
    return a >= HALYARD_L2_BASE && a < HALYARD_L2_BASE + HALYARD_L2_SIZE;
}
static void check(int ok, const char *what) {
    if (!ok) {
        hl_printf("FAIL %s\n", what);
        failures++;
    }
}

int main(void) {
    check(in_l1(l1_init) && l1_init[0] == 0x11111111u && l1_init[3] == 0x44444444u, "initialised L1 data");
    check(in_l1(l1_arena) && in_l2(l2_arena), "static arenas placed in L1 / L2");
    check(l1_arena[0] == 0 && l1_arena[999] == 0 && l2_arena[500] == 0, "arenas start zeroed");

    uint8_t *a = hl_l1_alloc(13), *b = hl_l1_alloc(100);
    check(a && b && in_l1(a) && in_l1(b) && b >= a + 13, "hl_l1_alloc: in L1, no overlap");
    check(((uintptr_t)a & 7) == 0 && ((uintptr_t)b & 7) == 0, "hl_l1_alloc: 8-byte aligned");
    check((uintptr_t)b + 100 <= HALYARD_L1_BASE + HALYARD_L1_SIZE - HALYARD_CORES * HALYARD_STACK_SIZE,
          "hl_l1_alloc: below the stacks");
    check(hl_l1_alloc(HALYARD_L1_SIZE) == 0, "hl_l1_alloc: too large returns 0");
    hl_l1_free_all();
    check(hl_l1_alloc(13) == a, "hl_l1_free_all resets");
    uint8_t *c = hl_l2_alloc(4096);
    check(c && in_l2(c) && ((uintptr_t)c & 7) == 0, "hl_l2_alloc");
    c[4095] = 7;
    check(c[4095] == 7, "hl_l2_alloc memory is usable");

    hl_perf_reset();
    uint32_t cyc = hl_perf_read(HL_PERF_CYCLES);
    check(cyc < 20, "hl_perf_reset clears the cycle counter");
    uint64_t t0 = hl_cycles(), t1 = hl_cycles();
    check(t1 > t0 && t1 - t0 < 100, "hl_cycles advances");

    hl_printf("fmt [%d] [%5d] [%-5d] [%05d] [%u] [%x] [%X] [%08lx] [%s] [%c] [%%] [%lld]\n", -42, 42, 42, 42,
              4000000000u, 0xbeefu, 0xbeefu, 0x1234ul, "str", 'z', -1234567890123ll);
    hl_printf("runtime_misc: %d failures\n", failures);
    return failures != 0;
}
