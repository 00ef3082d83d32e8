/* The portable C semantics of halyard_xpulp.h, compiled for the cluster, as
   the reference for xpulp_ops.c. */
#define HALYARD_XPULP_PORTABLE
#include "halyard_xpulp.h"
#include "xpulp_ops.h"

int32_t ref_op(int op, uint32_t a, uint32_t b, int32_t acc) {
    switch (op) {
#define X(name, expr) case OP_##name: return (expr);
        XPULP_OPS
#undef X
    }
    return 0;
}
