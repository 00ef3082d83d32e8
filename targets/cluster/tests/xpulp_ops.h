/* The Xpulp operations checked by xpulp_ops.c, as an X-macro over
   (name, expression in a, b, acc). */
#include <stdint.h>

/* The scalar-replicated (.sc) forms: rs2's element 0 is used in every lane.
   Natively one instruction (funct3 100 = .sc.h, 101 = .sc.b); the reference
   replicates the element and uses the vector form. */
#if HL_XPULP_NATIVE
#define HL__SC(name, f3, f7)                                                               \
    static inline int32_t name(int32_t acc, uint32_t a, uint32_t b) {                      \
        __asm__(".insn r 0x57, " #f3 ", " #f7 ", %0, %1, %2" : "+r"(acc) : "r"(a), "r"(b)); \
        return acc;                                                                        \
    }
HL__SC(sc_sdotsp_b, 5, 0x5C)
HL__SC(sc_sdotup_h, 4, 0x50)
HL__SC(sc_sdotusp_b, 5, 0x54)
#else
static inline int32_t sc_sdotsp_b(int32_t acc, uint32_t a, uint32_t b) { return hl_sdotsp_b(acc, a, (b & 0xffu) * 0x01010101u); }
static inline int32_t sc_sdotup_h(int32_t acc, uint32_t a, uint32_t b) { return hl_sdotup_h(acc, a, (b & 0xffffu) * 0x00010001u); }
static inline int32_t sc_sdotusp_b(int32_t acc, uint32_t a, uint32_t b) { return hl_sdotusp_b(acc, a, (b & 0xffu) * 0x01010101u); }
#endif

#define XPULP_OPS                                         \
    X(dotup_b, hl_dotup_b(a, b))                          \
    X(dotup_h, hl_dotup_h(a, b))                          \
    X(dotusp_b, hl_dotusp_b(a, b))                        \
    X(dotusp_h, hl_dotusp_h(a, b))                        \
    X(dotsp_b, hl_dotsp_b(a, b))                          \
    X(dotsp_h, hl_dotsp_h(a, b))                          \
    X(sdotup_b, hl_sdotup_b(acc, a, b))                   \
    X(sdotup_h, hl_sdotup_h(acc, a, b))                   \
    X(sdotusp_b, hl_sdotusp_b(acc, a, b))                 \
    X(sdotusp_h, hl_sdotusp_h(acc, a, b))                 \
    X(sdotsp_b, hl_sdotsp_b(acc, a, b))                   \
    X(sdotsp_h, hl_sdotsp_h(acc, a, b))                   \
    X(sc_sdotsp_b, sc_sdotsp_b(acc, a, b))                \
    X(sc_sdotup_h, sc_sdotup_h(acc, a, b))                \
    X(sc_sdotusp_b, sc_sdotusp_b(acc, a, b))              \
    X(slet, hl_slet((int32_t)a, (int32_t)b))              \
    X(sletu, hl_sletu(a, b))                              \
    X(mac, hl_mac(acc, (int32_t)a, (int32_t)b))           \
    X(msu, hl_msu(acc, (int32_t)a, (int32_t)b))           \
    X(abs, hl_abs((int32_t)a))                            \
    X(min, hl_min((int32_t)a, (int32_t)b))                \
    X(minu, (int32_t)hl_minu(a, b))                       \
    X(max, hl_max((int32_t)a, (int32_t)b))                \
    X(maxu, (int32_t)hl_maxu(a, b))                       \
    X(clip8, HL_CLIP(a, 8))                               \
    X(clip1, HL_CLIP(a, 1))                               \
    X(clip16, HL_CLIP(a, 16))                             \
    X(clip31, HL_CLIP(a, 31))                             \
    X(clipu9, HL_CLIPU(a, 9))                             \
    X(clipu8, HL_CLIPU(a, 8))                             \
    X(clipr, hl_clipr((int32_t)a, (int32_t)(b & 0xffff))) \
    X(clipur, hl_clipur((int32_t)a, (int32_t)(b & 0xffff)))

#if HL_XPULP_NATIVE
static inline int32_t hl_slet(int32_t a, int32_t b) {
    int32_t r;
    __asm__(".insn r 0x33, 2, 0x02, %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
static inline int32_t hl_sletu(uint32_t a, uint32_t b) {
    int32_t r;
    __asm__(".insn r 0x33, 3, 0x02, %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
#else
static inline int32_t hl_slet(int32_t a, int32_t b) { return a <= b; }
static inline int32_t hl_sletu(uint32_t a, uint32_t b) { return a <= b; }
#endif

enum {
#define X(name, expr) OP_##name,
    XPULP_OPS
#undef X
    OP_COUNT
};
int32_t ref_op(int op, uint32_t a, uint32_t b, int32_t acc);
