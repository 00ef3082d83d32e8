#pragma once
#include "Halide.h"
#include "map_micro_kernels.h"

namespace halyard {

// A micro-kernel's tile and its requantizing consumer as one call. After
// map_micro_kernels a GEMM tile is: acc[16] in memory, zeroed, the kernel
// accumulating into it, then one store per output
//   Y[y0 + i * ldy + j] = cast8(clamp(((acc_ij + bias[j]) * mul + add) >> shift, lo, hi))
// which reads every accumulator back. Where the kernel's registry entry has
// a requantizing variant (MicroKernel::requant_c_symbol), and the tile is
// proven to be exactly that, the whole allocation becomes one call to the
// variant, which keeps the tile in registers from the biases to the byte
// stores. Proven means: the producer is the zero stores of the kernel's
// accumulators and the call, nothing else; the consumer is one store per
// accumulator, each reading only its own, of that form with the same mul,
// add (any expressions that read neither Y nor the tile), shift (0..31) and
// clip (lo = -hi - 1 or lo = 0: p.clipr / p.clipur) in every store; the bias
// (if any) a load at bias0 + j, the same down a column; and the outputs at
// y0 + i * ldy + j with a constant ldy >= the tile's columns. Anything else
// stays as it was, and the report says why.
Halide::Internal::Stmt fuse_requant_epilogues(const Halide::Internal::Stmt &s, KernelReport *report);

}  // namespace halyard
