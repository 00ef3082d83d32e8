// Printing network.c / network.h from the compiled model.
#pragma once

#include <map>
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

struct KernelCallC {
    std::string kernel;       // library name
    std::vector<CallArg> args;
    std::string comment;
};

struct OutputCopy {           // graph outputs that alias another tensor's bytes
    Location from;
    int to_output = 0;
    int64_t bytes = 0;
};

// A constant copied into the L1 prefetch ring by a background DMA transfer
// (plan_weight_prefetch.h).
struct PrefetchC {
    int call = 0;             // the call reading it
    int transfer_id = 0;      // its entry of the program's prefetch_id array
    int issue_after = -1;     // started after this call returns (-1: at the start)
    int64_t bytes = 0;        // in L1
    int64_t row_bytes = 0, row_pitch = 0;  // a row of the constant; its start to the next's in L1
    std::string symbol;       // the constant in L2
    int64_t l1_offset = 0;    // in the shared L1 region
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
