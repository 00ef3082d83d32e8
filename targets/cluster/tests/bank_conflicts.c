/* TCDM bank conflicts are counted as expected: every core loading from its
   own bank never stalls; all cores hammering one bank serialise round-robin,
   so each access waits for the other cores. */
#include "halyard_rt.h"

#define LOADS 64
static uint32_t table[HALYARD_L1_BANKS * 64] HL_L1_BSS __attribute__((aligned(64)));
static volatile uint32_t stalls[HALYARD_CORES] HL_L1_BSS;
static volatile uint32_t same_bank HL_L1_BSS;

static void hammer(void *arg) {
    unsigned me = hl_core_id();
    /* Word index me (own bank) or 0 (bank 0 for everyone); the stride of
       HALYARD_L1_BANKS words stays in the same bank. */
    volatile uint32_t *p = &table[same_bank ? 0 : me];
    hl_barrier();
    uint32_t before = hl_perf_read(HL_PERF_TCDM_STALL);
    /* LOADS back-to-back loads (two blocks of 32 with immediate offsets). */
    __asm__ volatile(".set i, 0\n\t.rept 32\n\tlw t0, i(%0)\n\t.set i, i + %1\n\t.endr\n\t"
                     ".set i, 0\n\t.rept 32\n\tlw t0, i(%0)\n\t.set i, i + %1\n\t.endr"
                     :
                     : "r"(p), "i"(4 * HALYARD_L1_BANKS)
                     : "t0");
    stalls[me] = hl_perf_read(HL_PERF_TCDM_STALL) - before;
    (void)arg;
}

int main(void) {
    int fail = 0;
    uint32_t total;
    same_bank = 0;
    hl_fork(0, hammer, 0);
    total = 0;
    for (int c = 0; c < HALYARD_CORES; c++) total += stalls[c];
    hl_printf("own bank: %lu conflict stalls over %d cores\n", total, HALYARD_CORES);
    if (total != 0) fail = 1;

    same_bank = 1;
    hl_fork(0, hammer, 0);
    total = 0;
    for (int c = 0; c < HALYARD_CORES; c++) {
        hl_printf("  core %d: %lu stalls\n", c, stalls[c]);
        total += stalls[c];
    }
    /* Round-robin over N cores: one access per cycle, so the N*LOADS
       accesses take about N*LOADS cycles and each core stalls about
       (N-1)*LOADS cycles. */
    uint32_t ideal = HALYARD_CORES * (HALYARD_CORES - 1) * LOADS;
    hl_printf("one bank: %lu conflict stalls over %d cores (round-robin ideal %lu)\n", total, HALYARD_CORES, ideal);
    if (total < ideal * 9 / 10 || total > ideal * 11 / 10) fail = 1;
    hl_printf("bank_conflicts: %s\n", fail ? "FAIL" : "ok");
    return fail;
}
