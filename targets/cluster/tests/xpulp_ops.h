/* The Xpulp operations checked by xpulp_ops.c, as an X-macro over
   (name, expression in a, b, acc). */
#include <stdint.h>
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

enum {
#define X(name, expr) OP_##name,
    XPULP_OPS
#undef X
    OP_COUNT
};
int32_t ref_op(int op, uint32_t a, uint32_t b, int32_t acc);
