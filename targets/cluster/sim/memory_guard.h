// halyard-sim's memory guard: stops a program that touches memory it never
// allocated, or whose stack grows into the neighbouring core's stack.
//
// "Allocated" is what the ELF and the runtime say: every SHF_ALLOC section
// (code, data, .bss, the static L1/L2 arenas of generated code), the core
// stacks, and each heap up to the top the runtime's allocator last wrote to
// sim.heap_top_l1/_l2. A load or store anywhere else in L1, L2 or the NPU's
// weight memory (only its sections: .npu_weights; it has no heap) (past the
// end of an arena, into the free heap, into a freed allocation) is a fault.
// Each core's stack pointer must stay inside that core's stack
// (stack.size bytes each, core 0 highest): a stack pointer below its stack is
// an overflow into the next core's stack, caught before anything is written.
//
// Programs without Halyard's runtime (no __stacks_start symbol: riscv-tests,
// hand-written assembly) are not guarded. Plain C++, no Verilator.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "elf_loader.h"

namespace halyard::sim {

struct MemoryLayout {
    uint32_t l1_base = 0, l1_size = 0, l2_base = 0, l2_size = 0;
    int cores = 1;
    uint32_t stack_size = 0;
    uint32_t wm_base = 0, wm_size = 0;  // the NPU's weight memory (size 0: none)
};

class MemoryGuard {
public:
    MemoryGuard(const Elf &elf, const MemoryLayout &layout);

    // False for programs without Halyard's runtime (nothing is checked).
    bool enabled() const { return enabled_; }

    // A granted data access of `core`: nullopt when allowed, else what is
    // wrong with it (the address, what lies nearest, the section).
    std::optional<std::string> check_access(uint32_t addr, bool write) const {
        if (allowed(addr)) return std::nullopt;
        return describe_fault(addr, write);
    }
    // A DMA transfer's side about to be read or written: rows of `len` bytes
    // `stride` apart from `addr`. nullopt when every byte is allocated, else
    // the first that is not.
    std::optional<std::string> check_transfer(uint32_t addr, uint32_t len, uint32_t rows, uint32_t stride,
                                              bool write) const;
    // The stack pointer of `core` this cycle: nullopt while it is inside the
    // core's stack (or before the runtime first set it), else the overflow.
    std::optional<std::string> check_sp(int core, uint32_t sp);

    // The runtime's allocator moved a heap's top (sim.heap_top_l1/_l2).
    void set_heap_top(bool l2, uint32_t top) { (l2 ? l2_heap_ : l1_heap_).top = top; }

private:
    struct Heap {
        uint32_t start = 0, end = 0, top = 0;  // allocated: [start, top)
        bool contains(uint32_t a) const { return a >= start && a < top; }
    };
    struct Map {  // one bit per 4-byte word of a memory: allocated or not
        uint32_t base = 0, size = 0;
        std::vector<uint64_t> bits;
        bool has(uint32_t a) const {
            const uint32_t w = (a - base) >> 2;
            return (bits[w >> 6] >> (w & 63)) & 1;
        }
        bool covers(uint32_t a) const { return a - base < size; }
        void mark(uint64_t from, uint64_t to);  // [from, to), clipped to the memory
    };

    bool allowed(uint32_t a) const {
        if (l1_.covers(a)) return l1_.has(a) || l1_heap_.contains(a);
        if (l2_.covers(a)) return l2_.has(a) || l2_heap_.contains(a);
        if (wm_.covers(a)) return wm_.has(a);
        return true;  // peripherals; outside every memory the core itself stops
    }
    std::string describe_fault(uint32_t addr, bool write) const;

    const Elf &elf_;
    MemoryLayout layout_;
    bool enabled_ = false;
    Map l1_, l2_, wm_;
    Heap l1_heap_, l2_heap_;
    uint32_t stacks_start_ = 0, stack_top_ = 0;
    std::vector<bool> sp_armed_;  // the core's sp has been inside its stack
};

}  // namespace halyard::sim
