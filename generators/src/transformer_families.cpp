// Generator families for the Transformer layer ops (integer softmaxes, norms,
// activations, attention blocks). Empty until those ops land.
#include "families.h"

namespace halyard {

std::vector<GeneratorFamily> transformer_families() { return {}; }

}  // namespace halyard
