/* Fork/join, DMA waits, arenas and the libc pieces the compiler may call. */
#include "halyard_rt.h"

extern int main(void);
extern char __l1_heap_start[], __l1_heap_end[], __l2_heap_start[], __l2_heap_end[];

/* The current fork: written by core 0 before it wakes the team. */
static struct {
    volatile hl_task_fn fn;
    void *volatile arg;
    volatile uint32_t mask;
    volatile uint32_t size;
} hl_team HL_L1_BSS;

static char *l1_next HL_L1_BSS;
static char *l2_next;

void hl_main_entry(void) {
    HL_EU_MASK = 0;
    hl_exit(main());
}

void hl_worker_loop(void) {
    uint32_t me = 1u << hl_core_id();
    for (;;) {
        hl_wait_events(HL_EVT_SW);
        if (hl_team.mask & me) {
            hl_team.fn(hl_team.arg);
            hl_barrier();
        }
    }
}

void hl_fork(unsigned ncores, hl_task_fn fn, void *arg) {
    if (ncores == 0 || ncores > HALYARD_CORES) ncores = HALYARD_CORES;
    uint32_t mask = (ncores >= 32) ? 0xffffffffu : ((1u << ncores) - 1u);
    hl_team.fn = fn;
    hl_team.arg = arg;
    hl_team.mask = mask;
    hl_team.size = ncores;
    HL_EU_BAR_MASK(0) = mask;
    if (ncores > 1) hl_send_event(mask & ~1u);
    fn(arg);
    if (ncores > 1) hl_barrier();
    hl_team.size = 1;
}

unsigned hl_team_size(void) { return hl_team.size ? hl_team.size : 1; }

uint32_t hl_wait_events(uint32_t mask) {
    uint32_t old = HL_EU_MASK;
    HL_EU_MASK = mask;
    uint32_t got = HL_EU_WAIT;
    HL_EU_MASK = old;
    return got;
}

unsigned hl_copy_2d_by_core(void *dst, const void *src, uint32_t row_bytes, uint32_t rows, int32_t dst_stride,
                            int32_t src_stride) {
    for (uint32_t r = 0; r < (rows ? rows : 1); r++) {
        uint8_t *d = (uint8_t *)dst + (int32_t)r * dst_stride;
        const uint8_t *s = (const uint8_t *)src + (int32_t)r * src_stride;
        for (uint32_t i = 0; i < row_bytes; i++) d[i] = s[i];
    }
    return HL_STAGED_BY_CORE;
}

void hl_dma_wait(unsigned id) {
    if (id == HL_STAGED_BY_CORE) return;
    uint32_t old = HL_EU_MASK;
    HL_EU_MASK = HL_EVT_DMA;
    while ((HL_DMA_STATUS >> id) & 1u) (void)HL_EU_WAIT;
    HL_DMA_ACK = id;  /* release the id (see hl_dma_done) */
    HL_EU_MASK = old;
}

void hl_dma_wait_all(void) {
    while (HL_DMA_STATUS != 0) {
    }
    HL_DMA_ACK = 0xFFFFFFFFu;  /* release every finished transfer of this core */
}

uint64_t hl_cycles(void) {
    uint32_t hi, lo;
    do {
        hi = HL_REG32(HALYARD_SIM_TIMER_HI);
        lo = HL_REG32(HALYARD_SIM_TIMER_LO);
    } while (hi != HL_REG32(HALYARD_SIM_TIMER_HI));
    return ((uint64_t)hi << 32) | lo;
}

/* The simulator's memory guard treats a heap as allocated up to the top the
   allocator last wrote to sim.heap_top_l1/_l2: one store per allocation. */
static void *bump(char **next, char *start, char *end, size_t bytes, uint32_t top_reg) {
    if (!*next) *next = start;
    char *p = (char *)(((uintptr_t)*next + 7u) & ~(uintptr_t)7u);
    if (p > end || bytes > (size_t)(end - p)) return 0;
    *next = p + bytes;
    HL_REG32(top_reg) = (uint32_t)(uintptr_t)*next;
    return p;
}
void *hl_l1_alloc(size_t bytes) { return bump(&l1_next, __l1_heap_start, __l1_heap_end, bytes, HALYARD_SIM_HEAP_TOP_L1); }
void hl_l1_free_all(void) {
    l1_next = __l1_heap_start;
    HL_REG32(HALYARD_SIM_HEAP_TOP_L1) = (uint32_t)(uintptr_t)l1_next;
}
void *hl_l2_alloc(size_t bytes) { return bump(&l2_next, __l2_heap_start, __l2_heap_end, bytes, HALYARD_SIM_HEAP_TOP_L2); }
void hl_l2_free_all(void) {
    l2_next = __l2_heap_start;
    HL_REG32(HALYARD_SIM_HEAP_TOP_L2) = (uint32_t)(uintptr_t)l2_next;
}

void hl_putc(char c) { HL_REG32(HALYARD_SIM_STDOUT) = (uint8_t)c; }

void hl_exit(int code) {
    HL_REG32(HALYARD_SIM_EXIT) = (uint32_t)code;
    for (;;) {
    }
}

void *memcpy(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0) {
        for (; n >= 4; n -= 4, d += 4, s += 4) *(uint32_t *)d = *(const uint32_t *)s;
    }
    while (n--) *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n--) *d++ = *s++;
    } else {
        while (n--) d[n] = s[n];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n) {
    unsigned char *d = dst;
    while (n && ((uintptr_t)d & 3u)) {
        *d++ = (unsigned char)c;
        n--;
    }
    uint32_t w = (uint8_t)c * 0x01010101u;
    for (; n >= 4; n -= 4, d += 4) *(uint32_t *)d = w;
    while (n--) *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) return x[i] - y[i];
    }
    return 0;
}
