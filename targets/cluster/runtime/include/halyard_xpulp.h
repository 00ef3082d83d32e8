/* XpulpV2 instructions (classic CV32E40P v1.0.0 encodings) for C.
 *
 * On the cluster (__riscv defined, HALYARD_XPULP_PORTABLE not defined) each
 * function is one instruction through ".insn" (binutils 2.40 does not accept
 * the xcv* -march extensions). Anywhere else -- host builds, golden models --
 * the same functions are plain C with identical results, so kernels written
 * with them can be checked on the host.
 *
 *   hl_dotup_b/h, hl_dotusp_b/h, hl_dotsp_b/h          pv.dot{up,usp,sp}.{b,h}
 *   hl_sdotup_b/h, hl_sdotusp_b/h, hl_sdotsp_b/h       pv.sdot{up,usp,sp}.{b,h}  (acc +=)
 *   hl_mac, hl_msu                                     p.mac, p.msu
 *   hl_abs, hl_min, hl_minu, hl_max, hl_maxu           p.abs, p.min[u], p.max[u]
 *   HL_CLIP(x, bits), HL_CLIPU(x, bits)                p.clip, p.clipu (bits: literal 1..31)
 *   hl_clipr(x, hi), hl_clipur(x, hi)                  p.clipr, p.clipur
 *   hl_lw_pi(&p, inc), hl_lh_pi, hl_lhu_pi, hl_lb_pi, hl_lbu_pi   post-increment loads (imm inc: literal)
 *   hl_lw_pr(&p, reg), ...                             post-increment loads by a register
 *   hl_sw_pi(&p, v, inc), hl_sh_pi, hl_sb_pi           post-increment stores
 *   hl_sw_pr(&p, v, reg), ...                          post-increment stores by a register
 * Hardware loops exist only in assembly (HL_LP_SETUPI etc. below), because
 * their end address is a label in the same asm block.
 */
#ifndef HALYARD_XPULP_H
#define HALYARD_XPULP_H

#include <stdint.h>

#if defined(__riscv) && !defined(HALYARD_XPULP_PORTABLE)
#define HL_XPULP_NATIVE 1
#else
#define HL_XPULP_NATIVE 0
#endif

/* funct7 of the dot products (funct6 << 1) and funct3 of the element size. */
#define HL_F7_DOTUP    0x40
#define HL_F7_DOTUSP   0x44
#define HL_F7_DOTSP    0x4C
#define HL_F7_SDOTUP   0x50
#define HL_F7_SDOTUSP  0x54
#define HL_F7_SDOTSP   0x5C
#define HL_F3_H        0
#define HL_F3_B        1

#if HL_XPULP_NATIVE

#define HL__STR2(x) #x
#define HL__STR(x) HL__STR2(x)

#define HL__DOT(name, f3, f7)                                                              \
    static inline int32_t name(uint32_t a, uint32_t b) {                                   \
        int32_t r;                                                                         \
        __asm__(".insn r 0x57, " #f3 ", " #f7 ", %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));  \
        return r;                                                                          \
    }
#define HL__SDOT(name, f3, f7)                                                                     \
    static inline int32_t name(int32_t acc, uint32_t a, uint32_t b) {                              \
        __asm__(".insn r 0x57, " #f3 ", " #f7 ", %0, %1, %2" : "+r"(acc) : "r"(a), "r"(b));        \
        return acc;                                                                                \
    }
HL__DOT(hl_dotup_h, 0, 0x40)
HL__DOT(hl_dotup_b, 1, 0x40)
HL__DOT(hl_dotusp_h, 0, 0x44)
HL__DOT(hl_dotusp_b, 1, 0x44)
HL__DOT(hl_dotsp_h, 0, 0x4C)
HL__DOT(hl_dotsp_b, 1, 0x4C)
HL__SDOT(hl_sdotup_h, 0, 0x50)
HL__SDOT(hl_sdotup_b, 1, 0x50)
HL__SDOT(hl_sdotusp_h, 0, 0x54)
HL__SDOT(hl_sdotusp_b, 1, 0x54)
HL__SDOT(hl_sdotsp_h, 0, 0x5C)
HL__SDOT(hl_sdotsp_b, 1, 0x5C)

static inline int32_t hl_mac(int32_t acc, int32_t a, int32_t b) {
    __asm__(".insn r 0x33, 0, 0x21, %0, %1, %2" : "+r"(acc) : "r"(a), "r"(b));
    return acc;
}
static inline int32_t hl_msu(int32_t acc, int32_t a, int32_t b) {
    __asm__(".insn r 0x33, 1, 0x21, %0, %1, %2" : "+r"(acc) : "r"(a), "r"(b));
    return acc;
}
#define HL__ALU2(name, type, f3)                                                          \
    static inline type name(type a, type b) {                                             \
        type r;                                                                           \
        __asm__(".insn r 0x33, " #f3 ", 0x02, %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));    \
        return r;                                                                         \
    }
HL__ALU2(hl_min, int32_t, 4)
HL__ALU2(hl_minu, uint32_t, 5)
HL__ALU2(hl_max, int32_t, 6)
HL__ALU2(hl_maxu, uint32_t, 7)
static inline int32_t hl_abs(int32_t a) {
    int32_t r;
    __asm__(".insn r 0x33, 0, 0x02, %0, %1, x0" : "=r"(r) : "r"(a));
    return r;
}
#define HL_CLIP(x, bits) __extension__({                                                 \
    int32_t hl__r;                                                                        \
    __asm__(".insn r 0x33, 1, 0x0A, %0, %1, x" #bits : "=r"(hl__r) : "r"((int32_t)(x)));  \
    hl__r; })
#define HL_CLIPU(x, bits) __extension__({                                                \
    int32_t hl__r;                                                                        \
    __asm__(".insn r 0x33, 2, 0x0A, %0, %1, x" #bits : "=r"(hl__r) : "r"((int32_t)(x)));  \
    hl__r; })
static inline int32_t hl_clipr(int32_t x, int32_t hi) {
    int32_t r;
    __asm__(".insn r 0x33, 5, 0x0A, %0, %1, %2" : "=r"(r) : "r"(x), "r"(hi));
    return r;
}
static inline int32_t hl_clipur(int32_t x, int32_t hi) {
    int32_t r;
    __asm__(".insn r 0x33, 6, 0x0A, %0, %1, %2" : "=r"(r) : "r"(x), "r"(hi));
    return r;
}

/* Post-increment loads: value = *p; p += inc. The pointer is a uintptr_t-sized
   lvalue of any pointer type. */
#define HL__LD_PI(f3, type, p, inc) __extension__({                                       \
    uint32_t hl__v;                                                                        \
    __asm__ volatile(".insn i 0x0B, " #f3 ", %0, %2(%1)" : "=r"(hl__v), "+r"(p)            \
                     : "i"(inc) : "memory");                                               \
    (type)hl__v; })
#define hl_lw_pi(p, inc)  HL__LD_PI(2, uint32_t, p, inc)
#define hl_lh_pi(p, inc)  HL__LD_PI(1, int32_t, p, inc)
#define hl_lhu_pi(p, inc) HL__LD_PI(5, uint32_t, p, inc)
#define hl_lb_pi(p, inc)  HL__LD_PI(0, int32_t, p, inc)
#define hl_lbu_pi(p, inc) HL__LD_PI(4, uint32_t, p, inc)
#define HL__LD_PR(f7, type, p, reg) __extension__({                                       \
    uint32_t hl__v;                                                                        \
    __asm__ volatile(".insn r 0x0B, 7, " #f7 ", %0, %1, %2" : "=r"(hl__v), "+r"(p)         \
                     : "r"(reg) : "memory");                                               \
    (type)hl__v; })
#define hl_lw_pr(p, reg)  HL__LD_PR(0x10, uint32_t, p, reg)
#define hl_lh_pr(p, reg)  HL__LD_PR(0x08, int32_t, p, reg)
#define hl_lhu_pr(p, reg) HL__LD_PR(0x28, uint32_t, p, reg)
#define hl_lb_pr(p, reg)  HL__LD_PR(0x00, int32_t, p, reg)
#define hl_lbu_pr(p, reg) HL__LD_PR(0x20, uint32_t, p, reg)
/* Register-register loads: value = *(T *)((char *)base + off), no write-back:
   a table lookup in one instruction (p.lX rd, rs2(rs1)). `obj` is the object
   the load reads (base may point into it at an offset): the asm names it as a
   memory input, so gcc orders it after stores to that object and may still
   schedule, combine or drop it like a plain load. The byte and halfword forms
   tell gcc the value's range, so a narrowing cast of the result costs no
   sign- or zero-extension. */
#define HL__LD_RR_WORD(f7, obj, base, off) __extension__({                                \
    int32_t hl__w;                                                                         \
    __asm__(".insn r 0x03, 7, " #f7 ", %0, %1, %2" : "=r"(hl__w)                           \
            : "r"(base), "r"((int32_t)(off)), "m"(*(const char (*)[])(obj)));             \
    hl__w; })
#define HL__LD_RR(f7, type, lo, hi, obj, base, off) __extension__({                       \
    const int32_t hl__v = HL__LD_RR_WORD(f7, obj, base, off);                              \
    if (hl__v < (lo) || hl__v > (hi)) __builtin_unreachable();                              \
    (type)hl__v; })
#define hl_lw_rr(obj, base, off)  ((uint32_t)HL__LD_RR_WORD(0x10, obj, base, off))
#define hl_lh_rr(obj, base, off)  HL__LD_RR(0x08, int32_t, -32768, 32767, obj, base, off)
#define hl_lhu_rr(obj, base, off) HL__LD_RR(0x28, uint32_t, 0, 65535, obj, base, off)
#define hl_lb_rr(obj, base, off)  HL__LD_RR(0x00, int32_t, -128, 127, obj, base, off)
#define hl_lbu_rr(obj, base, off) HL__LD_RR(0x20, uint32_t, 0, 255, obj, base, off)
/* Post-increment stores: *p = v; p += inc. */
#define HL__ST_PI(f3, p, v, inc)                                                          \
    __asm__ volatile(".insn s 0x2B, " #f3 ", %1, %2(%0)" : "+r"(p) : "r"(v), "i"(inc)    \
                     : "memory")
#define hl_sw_pi(p, v, inc) HL__ST_PI(2, p, v, inc)
#define hl_sh_pi(p, v, inc) HL__ST_PI(1, p, v, inc)
#define hl_sb_pi(p, v, inc) HL__ST_PI(0, p, v, inc)
#define HL__ST_PR(f3, p, v, reg)                                                          \
    __asm__ volatile(".insn r 0x2B, " #f3 ", 0, %2, %0, %1" : "+r"(p) : "r"(v), "r"(reg)  \
                     : "memory")
#define hl_sw_pr(p, v, reg) HL__ST_PR(6, p, v, reg)
#define hl_sh_pr(p, v, reg) HL__ST_PR(5, p, v, reg)
#define hl_sb_pr(p, v, reg) HL__ST_PR(4, p, v, reg)

#else /* portable C with the same semantics */

static inline int32_t hl__dot(uint32_t a, uint32_t b, int bytes, int sa, int sb) {
    int32_t acc = 0;
    int n = bytes ? 4 : 2, w = bytes ? 8 : 16;
    uint32_t m = bytes ? 0xffu : 0xffffu;
    for (int i = 0; i < n; i++) {
        int32_t x = (int32_t)((a >> (w * i)) & m), y = (int32_t)((b >> (w * i)) & m);
        if (sa && (x & (1 << (w - 1)))) x -= (int32_t)(m + 1);
        if (sb && (y & (1 << (w - 1)))) y -= (int32_t)(m + 1);
        acc = (int32_t)((uint32_t)acc + (uint32_t)(x * y));
    }
    return acc;
}
#define HL__DOTC(name, bytes, sa, sb) \
    static inline int32_t name(uint32_t a, uint32_t b) { return hl__dot(a, b, bytes, sa, sb); }
#define HL__SDOTC(name, bytes, sa, sb)                                  \
    static inline int32_t name(int32_t acc, uint32_t a, uint32_t b) {   \
        return (int32_t)((uint32_t)acc + (uint32_t)hl__dot(a, b, bytes, sa, sb)); }
HL__DOTC(hl_dotup_h, 0, 0, 0)
HL__DOTC(hl_dotup_b, 1, 0, 0)
HL__DOTC(hl_dotusp_h, 0, 0, 1)
HL__DOTC(hl_dotusp_b, 1, 0, 1)
HL__DOTC(hl_dotsp_h, 0, 1, 1)
HL__DOTC(hl_dotsp_b, 1, 1, 1)
HL__SDOTC(hl_sdotup_h, 0, 0, 0)
HL__SDOTC(hl_sdotup_b, 1, 0, 0)
HL__SDOTC(hl_sdotusp_h, 0, 0, 1)
HL__SDOTC(hl_sdotusp_b, 1, 0, 1)
HL__SDOTC(hl_sdotsp_h, 0, 1, 1)
HL__SDOTC(hl_sdotsp_b, 1, 1, 1)
static inline int32_t hl_mac(int32_t acc, int32_t a, int32_t b) {
    return (int32_t)((uint32_t)acc + (uint32_t)a * (uint32_t)b);
}
static inline int32_t hl_msu(int32_t acc, int32_t a, int32_t b) {
    return (int32_t)((uint32_t)acc - (uint32_t)a * (uint32_t)b);
}
static inline int32_t hl_min(int32_t a, int32_t b) { return a < b ? a : b; }
static inline uint32_t hl_minu(uint32_t a, uint32_t b) { return a < b ? a : b; }
static inline int32_t hl_max(int32_t a, int32_t b) { return a > b ? a : b; }
static inline uint32_t hl_maxu(uint32_t a, uint32_t b) { return a > b ? a : b; }
static inline int32_t hl_abs(int32_t a) { return a < 0 ? (int32_t)(0u - (uint32_t)a) : a; }
static inline int32_t hl__clip(int32_t x, int32_t lo, int32_t hi) { return x <= lo ? lo : x >= hi ? hi : x; }
#define HL_CLIP(x, bits)  hl__clip((int32_t)(x), -(int32_t)((1u << (bits)) >> 1), (int32_t)(((1u << (bits)) >> 1) - 1))
#define HL_CLIPU(x, bits) hl__clip((int32_t)(x), 0, (int32_t)(((1u << (bits)) >> 1) - 1))
static inline int32_t hl_clipr(int32_t x, int32_t hi) { return hl__clip(x, -hi - 1, hi); }
static inline int32_t hl_clipur(int32_t x, int32_t hi) { return hl__clip(x, 0, hi); }

#define HL__LD_P(type, ctype, p, inc) __extension__({                                  \
    type hl__v = *(const ctype *)(const void *)(p);                                     \
    (p) = (__typeof__(p))((uintptr_t)(p) + (uintptr_t)(intptr_t)(inc));                 \
    hl__v; })
#define hl_lw_pi(p, inc)  HL__LD_P(uint32_t, uint32_t, p, inc)
#define hl_lh_pi(p, inc)  HL__LD_P(int32_t, int16_t, p, inc)
#define hl_lhu_pi(p, inc) HL__LD_P(uint32_t, uint16_t, p, inc)
#define hl_lb_pi(p, inc)  HL__LD_P(int32_t, int8_t, p, inc)
#define hl_lbu_pi(p, inc) HL__LD_P(uint32_t, uint8_t, p, inc)
#define hl_lw_pr  hl_lw_pi
#define hl_lh_pr  hl_lh_pi
#define hl_lhu_pr hl_lhu_pi
#define hl_lb_pr  hl_lb_pi
#define hl_lbu_pr hl_lbu_pi
#define HL__LD_RR(type, ctype, obj, base, off) \
    ((type)*(const ctype *)(const void *)((const char *)(base) + (int32_t)(off)))
#define hl_lw_rr(obj, base, off)  HL__LD_RR(uint32_t, uint32_t, obj, base, off)
#define hl_lh_rr(obj, base, off)  HL__LD_RR(int32_t, int16_t, obj, base, off)
#define hl_lhu_rr(obj, base, off) HL__LD_RR(uint32_t, uint16_t, obj, base, off)
#define hl_lb_rr(obj, base, off)  HL__LD_RR(int32_t, int8_t, obj, base, off)
#define hl_lbu_rr(obj, base, off) HL__LD_RR(uint32_t, uint8_t, obj, base, off)
#define HL__ST_P(ctype, p, v, inc) do {                                                 \
    *(ctype *)(void *)(p) = (ctype)(v);                                                 \
    (p) = (__typeof__(p))((uintptr_t)(p) + (uintptr_t)(intptr_t)(inc));                 \
} while (0)
#define hl_sw_pi(p, v, inc) HL__ST_P(uint32_t, p, v, inc)
#define hl_sh_pi(p, v, inc) HL__ST_P(uint16_t, p, v, inc)
#define hl_sb_pi(p, v, inc) HL__ST_P(uint8_t, p, v, inc)
#define hl_sw_pr hl_sw_pi
#define hl_sh_pr hl_sh_pi
#define hl_sb_pr hl_sb_pi

#endif /* HL_XPULP_NATIVE */

/* Hardware loops, for use inside one asm block (assembly text). L is 0
   (inner) or 1 (outer); labels are local labels of the same asm block, the
   end label just after the last instruction of the body. Needs -mno-relax
   (the cluster flags have it) so the label distance is an assembly-time
   constant. HL_LP_COUNT takes an asm operand ("%[n]"). */
#define HL_LP_STARTI(L, start) \
    ".word 0x7B | (" #L " << 7) | ((((" #start " - .) >> 1) & 0xFFF) << 20)\n\t"
#define HL_LP_ENDI(L, end) \
    ".word 0x7B | (1 << 12) | (" #L " << 7) | ((((" #end " - .) >> 1) & 0xFFF) << 20)\n\t"
#define HL_LP_COUNT(L, reg) ".insn i 0x7B, 2, x" #L ", " reg ", 0\n\t"
#define HL_LP_COUNTI(L, n) ".insn i 0x7B, 3, x" #L ", x0, " #n "\n\t"
#define HL_LP_SETUPI(L, count, end) \
    ".word 0x7B | (5 << 12) | (" #L " << 7) | ((((" #end " - .) >> 1) & 0x1F) << 15) | ((" #count ") << 20)\n\t"

#endif
