/* Fork/join on all and on some cores, a barrier storm, core-to-core events,
   per-core stacks, and the perf counters' view of sleeping. */
#include "halyard_rt.h"

#define ROUNDS 500
static volatile uint32_t slot[HALYARD_CORES] HL_L1_BSS;
static volatile uint32_t ran[HALYARD_CORES] HL_L1_BSS;
static volatile uint32_t errors HL_L1_BSS;
static volatile uint32_t mailbox HL_L1_BSS;

static void who_runs(void *arg) {
    ran[hl_core_id()] += 1;
    (void)arg;
}

static void barrier_storm(void *arg) {
    unsigned me = hl_core_id(), n = hl_team_size();
    for (uint32_t r = 1; r <= ROUNDS; r++) {
        slot[me] = r;
        hl_barrier();
        for (unsigned c = 0; c < n; c++) {
            if (slot[c] != r) errors = errors + 1;
        }
        hl_barrier();
    }
    (void)arg;
}

static void stack_check(void *arg) {
    /* Each core's stack is its own: a local array filled with the core id
       survives a barrier while the other cores fill theirs. */
    volatile uint32_t local[32];
    unsigned me = hl_core_id();
    for (int i = 0; i < 32; i++) local[i] = me * 1000 + i;
    hl_barrier();
    for (int i = 0; i < 32; i++) {
        if (local[i] != me * 1000 + i) errors = errors + 1;
    }
    (void)arg;
}

static void ping_pong(void *arg) {
    /* Core 1 sleeps until core 0 sends it an event. */
    if (hl_core_id() == 1) {
        uint32_t before = hl_perf_read(HL_PERF_SLEEP);
        hl_wait_events(HL_EVT_SW);
        if (mailbox != 0x1234) errors = errors + 1;
        if (hl_perf_read(HL_PERF_SLEEP) - before < 100) errors = errors + 1;
    } else {
        for (volatile int i = 0; i < 50; i++) {
        }
        mailbox = 0x1234;
        hl_send_event(1u << 1);
    }
    (void)arg;
}

int main(void) {
    int fail = 0;
    hl_fork(0, who_runs, 0);
    hl_fork(3, who_runs, 0);
    for (unsigned c = 0; c < HALYARD_CORES; c++) {
        uint32_t want = c < 3 ? 2 : 1;
        if (ran[c] != want) {
            hl_printf("core %u ran %lu times, want %lu\n", c, ran[c], want);
            fail = 1;
        }
    }
    uint64_t t0 = hl_cycles();
    hl_fork(0, barrier_storm, 0);
    uint64_t t1 = hl_cycles();
    hl_fork(5, barrier_storm, 0);
    hl_fork(0, stack_check, 0);
    hl_fork(2, ping_pong, 0);
    if (errors) {
        hl_printf("%lu errors\n", errors);
        fail = 1;
    }
    hl_printf("barrier storm: %d barriers on %d cores in %lu cycles (%lu per barrier)\n", 2 * ROUNDS,
              HALYARD_CORES, (uint32_t)(t1 - t0), (uint32_t)(t1 - t0) / (2 * ROUNDS));
    hl_printf("multicore: %s\n", fail ? "FAIL" : "ok");
    return fail;
}
