// Printing network.c / network.h from the compiled model.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "halyard/network/network.h"

namespace halyard::network {

// Where the bytes of a tensor are, as C.
struct Location {
    enum Kind { Arg, Arena, Const, L1 } kind = Arena;
    int arg = -1;             // Arg: index into inputs then outputs
    int64_t offset = 0;       // Arena; L1: bytes into the shared L1 region
    std::string symbol;       // Const
};

struct ConstArray {
    std::string symbol;
    ElemType type;
    std::vector<int64_t> values;
    std::string tensor;
    bool npu_weights = false;  // defined HL_NPU_WEIGHTS: in the NPU weight memory
};

struct CallArg {
    Location loc;
    ElemType type;
    bool is_output = false;
};

// A Concat done by the program instead of a kernel (its bulk is a PrefetchC):
// the rows of its other input copied into place by DMA.
struct RowCopyC {
    Location dst, src;
    int64_t dst_offset = 0;
    int64_t row_bytes = 0, rows = 0, dst_pitch = 0, src_pitch = 0;
};

struct KernelCallC {
    std::string kernel;       // library name ("" for a copy by DMA)
    std::vector<CallArg> args;
    std::string comment;
    std::optional<RowCopyC> copy;  // instead of a kernel: these rows, after the call's prefetches
};

struct OutputCopy {           // graph outputs that alias another tensor's bytes
    Location from;
    int to_output = 0;
    int64_t bytes = 0;
};

// A background DMA transfer the program starts ahead of the call that needs
// it (plan_weight_prefetch.h): a constant into the L1 prefetch ring, or a
// KV cache's bulk into a Concat's output.
struct PrefetchC {
    int call = 0;             // the call waiting for it
    int transfer_id = 0;      // its entry of the program's prefetch_id array
    int issue_after = -1;     // started after this call returns (-1: at the start)
    Location dst, src;
    int64_t dst_offset = 0;   // bytes after dst
    int64_t row_bytes = 0, rows = 0, dst_pitch = 0, src_pitch = 0;
};

struct ProgramModel {
    std::string name;
    std::string shared_prefix;   // NetworkOptions::shared_prefix
    bool cluster = false;
    std::vector<ConstArray> constants;
    std::vector<KernelCallC> calls;
    std::vector<OutputCopy> copies;
    std::vector<std::string> step_names;   // one per call
    std::string l1_arena;                  // symbol of the shared L1 region
    std::vector<PrefetchC> prefetches;     // in call order
    int prefetch_transfer_ids = 0;         // entries of prefetch_id
};

// Fills program.source and program.header.
void emit_network(const ProgramModel &m, NetworkProgram &program);

// "x.9" -> "x_9"; unique within `taken`.
std::string c_identifier(const std::string &name, std::set<std::string> &taken);

}  // namespace halyard::network
