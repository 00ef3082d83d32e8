/* The Halyard cluster runtime: bare metal, no OS. All addresses and sizes
   come from halyard_target_params.h, generated from cluster.target.

   Program model: every core boots; core 0 runs main(), the others wait in a
   worker loop until main forks work onto them. main's return value is the
   simulator's exit code.

   Core id / count      hl_core_id(), hl_core_count()
   Fork/join            hl_fork(n, fn, arg): fn(arg) on cores 0..n-1, returns
                        when all are done; hl_barrier() inside fn syncs the team
   DMA (L2 <-> L1)      hl_dma_1d/hl_dma_2d start a transfer and return its id;
                        hl_dma_wait(id) sleeps until it is done (call it on the
                        core that started it: the completion event goes there);
                        hl_dma_done(id) polls; hl_dma_2d_background: a
                        low-priority copy that yields to the others at row ends
   Arenas               HL_L1_BSS / HL_L2_BSS / HL_L1_DATA place static data;
                        hl_l1_alloc / hl_l2_alloc bump-allocate, *_free_all reset
   NPU weights          HL_NPU_WEIGHTS places (initialised) data in the NPU's
                        weight memory; hl_in_npu_weights(p, bytes) tells a span there
   Perf counters        hl_perf_read(HL_PERF_*), hl_perf_reset(), hl_cycles()
   Timeline regions     hl_region_begin(name) / hl_region_end(name): a named
                        span on this core's track of halyard-sim --timeline
   Output / exit        hl_printf (also printf, puts, putchar), hl_exit(code)
*/
#ifndef HALYARD_RT_H
#define HALYARD_RT_H

#include <stddef.h>
#include <stdint.h>

#include "halyard_target_params.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HL_REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* Event unit registers (see targets/cluster/rtl/halyard_event_unit.sv). */
#define HL_EU_MASK     HL_REG32(HALYARD_EU_BASE + 0x00)
#define HL_EU_BUFFER   HL_REG32(HALYARD_EU_BASE + 0x04)
#define HL_EU_CLEAR    HL_REG32(HALYARD_EU_BASE + 0x08)
#define HL_EU_WAIT     HL_REG32(HALYARD_EU_BASE + 0x0C)
#define HL_EU_TRIGGER  HL_REG32(HALYARD_EU_BASE + 0x10)
#define HL_EU_BAR_MASK(i) HL_REG32(HALYARD_EU_BASE + 0x40 + 8 * (i))
#define HL_EU_BAR_WAIT(i) HL_REG32(HALYARD_EU_BASE + 0x44 + 8 * (i))
#define HL_EVT_SW      (1u << HALYARD_EU_EVENT_SW)
#define HL_EVT_DMA     (1u << HALYARD_EU_EVENT_DMA)
#define HL_EVT_NPU     (1u << HALYARD_EU_EVENT_NPU)

/* DMA registers (see targets/cluster/rtl/halyard_dma.sv). */
#define HL_DMA_SRC         HL_REG32(HALYARD_DMA_BASE + 0x00)
#define HL_DMA_DST         HL_REG32(HALYARD_DMA_BASE + 0x04)
#define HL_DMA_LEN         HL_REG32(HALYARD_DMA_BASE + 0x08)
#define HL_DMA_SRC_STRIDE  HL_REG32(HALYARD_DMA_BASE + 0x0C)
#define HL_DMA_DST_STRIDE  HL_REG32(HALYARD_DMA_BASE + 0x10)
#define HL_DMA_ROWS        HL_REG32(HALYARD_DMA_BASE + 0x14)
#define HL_DMA_START       HL_REG32(HALYARD_DMA_BASE + 0x18)
#define HL_DMA_STATUS      HL_REG32(HALYARD_DMA_BASE + 0x1C)
#define HL_DMA_BYTES       HL_REG32(HALYARD_DMA_BASE + 0x20)
#define HL_DMA_BUSY_CYCLES HL_REG32(HALYARD_DMA_BASE + 0x24)
#define HL_DMA_ACK         HL_REG32(HALYARD_DMA_BASE + 0x28)
/* ROWS bit 31: a background transfer (bits 30:0 are the row count). */
#define HL_DMA_ROWS_BACKGROUND (1u << 31)

/* Per-core performance counters, in register order. */
enum hl_perf_counter {
    HL_PERF_CYCLES = 0,
    HL_PERF_INSTRET = 1,
    HL_PERF_LOAD_USE = 2,
    HL_PERF_TCDM_STALL = 3,
    HL_PERF_L2_WAIT = 4,
    HL_PERF_BRANCH = 5,
    HL_PERF_SLEEP = 6,
    HL_PERF_MULTICYCLE = 7,
};

#define HL_L1_DATA __attribute__((section(".l1_data")))
#define HL_L1_BSS  __attribute__((section(".l1_bss")))
#define HL_L2_BSS  __attribute__((section(".l2_bss")))
/* The NPU's resident weight memory (npu.weight_mem_*, docs/npu.md): a loaded
   section, so initialised arrays arrive with the program (halyard-sim writes
   them before reset; no DMA). A job's B, bias, mul and add may point here;
   A and the output stay in L1. Cores read and write it over the cluster bus
   (npu.weight_mem_latency cycles per load); the DMA does not reach it. */
#define HL_NPU_WEIGHTS __attribute__((section(".npu_weights"), aligned(4)))
/* Nonzero when [p, p + bytes) lies inside the weight memory's window. */
static inline int hl_in_npu_weights(const void *p, uint32_t bytes) {
    const uint32_t off = (uint32_t)(uintptr_t)p - (uint32_t)HALYARD_NPU_WEIGHT_MEM_BASE;
    return (uint32_t)HALYARD_NPU_WEIGHT_MEM_BYTES != 0 && off < (uint32_t)HALYARD_NPU_WEIGHT_MEM_BYTES &&
           bytes <= (uint32_t)HALYARD_NPU_WEIGHT_MEM_BYTES - off;
}

static inline unsigned hl_core_id(void) {
    unsigned id;
    __asm__ volatile("csrr %0, mhartid" : "=r"(id));
    return id;
}
static inline unsigned hl_core_count(void) { return HALYARD_CORES; }

typedef void (*hl_task_fn)(void *arg);
/* Runs fn(arg) on cores 0..ncores-1 (0 or more than the cluster: all cores);
   the caller (core 0) takes part. Returns when every one has returned. */
void hl_fork(unsigned ncores, hl_task_fn fn, void *arg);
/* Barrier over the cores of the current fork (hardware barrier 0). */
static inline void hl_barrier(void) { (void)HL_EU_BAR_WAIT(0); }
/* Cores in the current fork. */
unsigned hl_team_size(void);

/* DMA: asynchronous copies between L2 and L1 (either direction). */
static inline unsigned hl_dma_2d(void *dst, const void *src, uint32_t row_bytes, uint32_t rows,
                                 int32_t dst_stride, int32_t src_stride) {
    HL_DMA_SRC = (uint32_t)(uintptr_t)src;
    HL_DMA_DST = (uint32_t)(uintptr_t)dst;
    HL_DMA_LEN = row_bytes;
    HL_DMA_SRC_STRIDE = (uint32_t)src_stride;
    HL_DMA_DST_STRIDE = (uint32_t)dst_stride;
    HL_DMA_ROWS = rows;
    return HL_DMA_START;
}
/* The same transfer in the background (a prefetch): the DMA runs it only
   while no ordinary transfer is queued, and stops it at the end of a row when
   one arrives, resuming it later (paying the L2 latency again). rows < 2^31;
   a 1D copy is rows = 1 (one row: it never yields, so split a long one into
   rows). Its id is waited on or polled as any other. */
static inline unsigned hl_dma_2d_background(void *dst, const void *src, uint32_t row_bytes, uint32_t rows,
                                            int32_t dst_stride, int32_t src_stride) {
    return hl_dma_2d(dst, src, row_bytes, rows | HL_DMA_ROWS_BACKGROUND, dst_stride, src_stride);
}
/* A staging copy of generated code (inject_dma_transfers): by DMA between L2
   and L1; when both ends are in one memory (a caller that keeps an operand in
   L1 already: generated code cannot know where its arguments live) the
   calling core copies it and the id is HL_STAGED_BY_CORE, which hl_dma_wait
   returns on at once. */
#define HL_STAGED_BY_CORE 0xFFFFFFFFu
static inline int hl_in_l1(const void *p) {
    return (uint32_t)(uintptr_t)p - (uint32_t)HALYARD_L1_BASE < (uint32_t)HALYARD_L1_SIZE;
}
unsigned hl_copy_2d_by_core(void *dst, const void *src, uint32_t row_bytes, uint32_t rows, int32_t dst_stride,
                            int32_t src_stride);
static inline unsigned hl_stage_2d(void *dst, const void *src, uint32_t row_bytes, uint32_t rows,
                                   int32_t dst_stride, int32_t src_stride) {
    if (hl_in_l1(dst) == hl_in_l1(src)) return hl_copy_2d_by_core(dst, src, row_bytes, rows, dst_stride, src_stride);
    return hl_dma_2d(dst, src, row_bytes, rows, dst_stride, src_stride);
}
static inline unsigned hl_dma_1d(void *dst, const void *src, uint32_t bytes) {
    return hl_dma_2d(dst, src, bytes, 1, 0, 0);
}
/* A finished transfer keeps its id until the issuing core acknowledges it
   (hl_dma_wait, hl_dma_done returning 1, or hl_dma_wait_all do), so ids are
   never recycled under a core that still waits on them. */
static inline int hl_dma_done(unsigned id) {
    if ((HL_DMA_STATUS >> id) & 1u) return 0;
    HL_DMA_ACK = id;
    return 1;
}
void hl_dma_wait(unsigned id);
/* Polls until no transfer of any core is in flight. */
void hl_dma_wait_all(void);

static inline int hl_in_l2(const void *p) {
    return (uint32_t)(uintptr_t)p - (uint32_t)HALYARD_L2_BASE < (uint32_t)HALYARD_L2_SIZE;
}
/* A contiguous copy of generated code (hy_copy, map_copy_loops) between two
   L2 buffers (a KV append, a concat): by DMA when the engine copies L2 -> L2
   (dma.l2_to_l2) and the copy has at least dma.copy_min_bytes. Each word a
   core copies costs an L2 load and an L2 store (2 x l2.latency cycles); a
   transfer costs its set-up, the L2 latency and n / dma.bytes_per_cycle, and
   waits behind the other cores' transfers on the one engine.
   Returns 1 when it copied; 0 leaves the copy to the caller. */
static inline int hl_copy_by_dma(void *dst, const void *src, uint32_t n) {
#if HALYARD_DMA_L2_TO_L2
    if (n >= (uint32_t)HALYARD_DMA_COPY_MIN_BYTES && hl_in_l2(dst) && hl_in_l2(src)) {
        hl_dma_wait(hl_dma_1d(dst, src, n));
        return 1;
    }
#endif
    (void)dst;
    (void)src;
    (void)n;
    return 0;
}

/* Sleeps until an event in `mask` is pending; returns and clears those. */
uint32_t hl_wait_events(uint32_t mask);
/* Raises the software event on the cores in core_mask. */
static inline void hl_send_event(uint32_t core_mask) { HL_EU_TRIGGER = core_mask; }

void *hl_l1_alloc(size_t bytes);
void hl_l1_free_all(void);
void *hl_l2_alloc(size_t bytes);
void hl_l2_free_all(void);

static inline uint32_t hl_perf_read(enum hl_perf_counter c) {
    return HL_REG32(HALYARD_PERF_BASE + HALYARD_PERF_STRIDE * hl_core_id() + 4 * (unsigned)c);
}
static inline uint32_t hl_perf_read_core(unsigned core, enum hl_perf_counter c) {
    return HL_REG32(HALYARD_PERF_BASE + HALYARD_PERF_STRIDE * core + 4 * (unsigned)c);
}
static inline void hl_perf_reset(void) { HL_REG32(HALYARD_PERF_BASE + HALYARD_PERF_STRIDE * hl_core_id()) = 0; }
uint64_t hl_cycles(void);

/* Named regions for halyard-sim --timeline: one store each (about 2 cycles).
   `name` must be a string literal (the simulator reads it from the ELF's
   loaded data); begin and end take the same pointer. Define
   HL_NO_TIMELINE_REGIONS to compile them out. */
#ifdef HL_NO_TIMELINE_REGIONS
#define hl_region_begin(name) ((void)(name))
#define hl_region_end(name) ((void)(name))
#else
#define hl_region_begin(name) (HL_REG32(HALYARD_SIM_REGION_BEGIN) = (uint32_t)(uintptr_t)(name))
#define hl_region_end(name) (HL_REG32(HALYARD_SIM_REGION_END) = (uint32_t)(uintptr_t)(name))
#endif

void hl_putc(char c);
int hl_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int printf(const char *fmt, ...);
int puts(const char *s);
int putchar(int c);
__attribute__((noreturn)) void hl_exit(int code);

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#ifdef __cplusplus
}
#endif

#endif
