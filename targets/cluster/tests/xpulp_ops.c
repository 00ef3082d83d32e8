/* Every Xpulp ALU/SIMD instruction against its portable C definition on edge
   values and random operands, a few hand-computed results, and the
   post-increment loads and stores. */
#include "halyard_rt.h"
#include "halyard_xpulp.h"
#include "xpulp_ops.h"

static const char *names[] = {
#define X(name, expr) #name,
    XPULP_OPS
#undef X
};

static int32_t native_op(int op, uint32_t a, uint32_t b, int32_t acc) {
    switch (op) {
#define X(name, expr) case OP_##name: return (expr);
        XPULP_OPS
#undef X
    }
    return 0;
}

static int failures;
static void expect(const char *what, int32_t got, int32_t want) {
    if (got != want) {
        if (failures < 20) hl_printf("FAIL %s: got %ld (0x%lx), want %ld (0x%lx)\n", what, got, got, want, want);
        failures++;
    }
}

static uint32_t rng = 12345;
static uint32_t next(void) {
    rng = rng * 1664525u + 1013904223u;
    return rng;
}

int main(void) {
    static const uint32_t edge[] = {0, 1, 0xffffffffu, 0x80000000u, 0x7fffffffu, 0x80808080u, 0x7f7f7f7fu,
                                    0x80008000u, 0x7fff7fffu, 0x01020304u, 0xfffefdfcu, 0x00ff00ffu, 300,
                                    (uint32_t)-300, 127, 128, (uint32_t)-128, (uint32_t)-129, 255, 256};
    const int ne = sizeof edge / sizeof edge[0];
    int checked = 0;
    for (int op = 0; op < OP_COUNT; op++) {
        for (int i = 0; i < ne; i++) {
            for (int j = 0; j < ne; j++) {
                uint32_t a = edge[i], b = edge[j];
                int32_t acc = (int32_t)edge[(i + j) % ne];
                expect(names[op], native_op(op, a, b, acc), ref_op(op, a, b, acc));
                checked++;
            }
        }
        for (int k = 0; k < 100; k++) {
            uint32_t a = next(), b = next();
            int32_t acc = (int32_t)next();
            expect(names[op], native_op(op, a, b, acc), ref_op(op, a, b, acc));
            checked++;
        }
    }
    /* Hand-computed results (independent of both implementations). */
    expect("sdotsp.b min*min", hl_sdotsp_b(0, 0x80808080u, 0x80808080u), 65536);
    expect("dotup.b max", hl_dotup_b(0xffffffffu, 0xffffffffu), 260100);
    expect("dotusp.b", hl_dotusp_b(0xffffffffu, 0xffffffffu), -1020);
    expect("dotsp.h wrap", hl_dotsp_h(0x80008000u, 0x80008000u), (int32_t)0x80000000u);
    expect("dotsp.b", hl_dotsp_b(0x01fe03fdu, 0x02020202u), 2 - 4 + 6 - 6);
    expect("sdotsp.h acc", hl_sdotsp_h(10, 0x00030002u, 0xffff0004u), 10 + 8 - 3);
    expect("sdotsp.sc.b", sc_sdotsp_b(1, 0x01ff0203u, 0xabcdef02u), 1 + 2 * (1 - 1 + 2 + 3));
    expect("sdotup.sc.h", sc_sdotup_h(0, 0x00020003u, 0x1234ffffu), 65535 * 5);
    expect("mac", hl_mac(5, -3, 7), -16);
    expect("msu", hl_msu(5, -3, 7), 26);
    expect("abs min", hl_abs((int32_t)0x80000000u), (int32_t)0x80000000u);
    expect("abs", hl_abs(-7), 7);
    expect("clip 8 hi", HL_CLIP(300, 8), 127);
    expect("clip 8 lo", HL_CLIP(-300, 8), -128);
    expect("clip 8 in", HL_CLIP(-5, 8), -5);
    expect("clipu 9", HL_CLIPU(300, 9), 255);
    expect("clipu neg", HL_CLIPU(-3, 9), 0);
    expect("clipr", hl_clipr(-1000, 99), -100);
    expect("min", hl_min(-1, 1), -1);
    expect("minu", (int32_t)hl_minu(0xffffffffu, 1), 1);
    expect("max", hl_max(-1, 1), 1);
    expect("maxu", (int32_t)hl_maxu(0xffffffffu, 1), -1);

    /* Post-increment loads and stores, immediate and register increments. */
    static uint8_t buf[32] __attribute__((aligned(4)));
    for (int i = 0; i < 32; i++) buf[i] = (uint8_t)(0xf0 + i);
    uint8_t *p = buf;
    expect("lbu.pi", (int32_t)hl_lbu_pi(p, 1), 0xf0);
    expect("lb.pi", hl_lb_pi(p, 1), (int8_t)0xf1);
    expect("lh.pi", hl_lh_pi(p, 2), (int16_t)0xf3f2);
    expect("lhu.pi", (int32_t)hl_lhu_pi(p, 4), 0xf5f4);
    expect("lw.pi", (int32_t)hl_lw_pi(p, -8), (int32_t)0xfbfaf9f8u);
    expect("ptr after pi", (int32_t)(p - buf), 0);
    int32_t inc = 6;
    expect("lw.pr", (int32_t)hl_lw_pr(p, inc), (int32_t)0xf3f2f1f0u);
    expect("lbu.pr", (int32_t)hl_lbu_pr(p, inc), 0xf6);
    expect("lhu.pr", (int32_t)hl_lhu_pr(p, inc), 0xfdfc);
    expect("lh.pr", hl_lh_pr(p, inc), (int16_t)0x0302);
    expect("lb.pr", hl_lb_pr(p, inc), (int8_t)0x08);
    expect("ptr after pr", (int32_t)(p - buf), 30);
    /* Register-register loads: base + offset, the base unchanged (negative offsets too). */
    const uint8_t *mid = buf + 16;
    int32_t off = -3;
    expect("lb.rr", hl_lb_rr(buf, mid, off), (int8_t)0xfd);
    expect("lbu.rr", (int32_t)hl_lbu_rr(buf, mid, off), 0xfd);
    off = 6;
    expect("lh.rr", hl_lh_rr(buf, mid, off), (int16_t)0x0706);
    expect("lhu.rr", (int32_t)hl_lhu_rr(buf, mid, off), 0x0706);
    off = -8;
    expect("lw.rr", (int32_t)hl_lw_rr(buf, mid, off), (int32_t)0xfbfaf9f8u);
    expect("base after rr", (int32_t)(mid - buf), 16);
    uint8_t *q = buf;
    hl_sw_pi(q, 0x11223344u, 4);
    hl_sh_pi(q, 0x5566u, 2);
    hl_sb_pi(q, 0x77u, 1);
    hl_sb_pi(q, 0x88u, 1);
    expect("sw.pi", (int32_t)*(uint32_t *)buf, 0x11223344);
    expect("sh/sb.pi", (int32_t)*(uint32_t *)(buf + 4), (int32_t)0x88775566u);
    expect("ptr after st.pi", (int32_t)(q - buf), 8);
    int32_t step = 8;
    hl_sw_pr(q, 0xdeadbeefu, step);
    hl_sh_pr(q, 0xcafeu, step);
    hl_sb_pr(q, 0x5au, step);
    expect("sw.pr", (int32_t)*(uint32_t *)(buf + 8), (int32_t)0xdeadbeefu);
    expect("sh.pr", (int32_t)*(uint16_t *)(buf + 16), 0xcafe);
    expect("sb.pr", (int32_t)buf[24], 0x5a);
    expect("ptr after st.pr", (int32_t)(q - buf), 32);

    hl_printf("xpulp: %d operand sets checked, %d failures\n", checked, failures);
    return failures != 0;
}
