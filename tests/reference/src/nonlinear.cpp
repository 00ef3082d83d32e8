// Deeploy's integer nonlinear operators (second priority).
#include <stdexcept>

#include "halyard_ref/graph_runner.h"
#include "halyard_ref/ops.h"

namespace halyard_ref {

#define HALYARD_REF_TODO(name) throw Unsupported(std::string(name) + ": not implemented in the reference yet")

Tensor isoftmax(const Tensor &, int64_t, int64_t, int64_t, int64_t, int64_t) { HALYARD_REF_TODO("iSoftmax"); }
Tensor itamax(const Tensor &, int64_t) { HALYARD_REF_TODO("ITAMax"); }
Tensor irmsnorm(const Tensor &, const Tensor &, int64_t, int64_t) { HALYARD_REF_TODO("iRMSNorm"); }
Tensor ilayernorm(const Tensor &, const Tensor &, const Tensor &, int64_t, int64_t) { HALYARD_REF_TODO("iLayerNorm"); }
Tensor igelu(const Tensor &, int64_t, int64_t) { HALYARD_REF_TODO("iGELU"); }
Tensor ihardswish(const Tensor &, int64_t, int64_t, int64_t) { HALYARD_REF_TODO("iHardswish"); }
Tensor integer_div(const Tensor &, const Tensor &, int64_t, int64_t, int64_t) { HALYARD_REF_TODO("TrueIntegerDiv"); }
Tensor inonorm(const Tensor &, const Tensor &, const Tensor &, int64_t, int64_t, int64_t) { HALYARD_REF_TODO("iNoNorm"); }

}  // namespace halyard_ref
