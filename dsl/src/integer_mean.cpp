// QuantLib's IntegerMean. Deeploy's Generic target maps it onto the ReduceMean
// layer with the ReduceMean parser and bindings
// (Deeploy/Targets/Generic/Platform.py: 'IntegerMean': ReduceMeanLayer([ReduceMeanMapper])),
// i.e. attributes axes + keepdims and ReduceMeanTemplate.py's rounding: the
// same algorithm as reduce_mean (reduce.cpp) under its own op name.
#include "halyard/dsl/data_ops.h"
#include "builders.h"

namespace halyard {

Algorithm integer_mean(const ReduceSpec &spec) { return detail::reduce_op("integer_mean", spec, true); }

}  // namespace halyard
