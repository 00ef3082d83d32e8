// The simulator's ELF loader: an RV32 little-endian ELF image as halyard-sim
// loads it into the cluster's memories (its PT_LOAD segments, the entry point,
// and the riscv-tests "tohost" symbol). Plain C++, no Verilator, so the fuzz
// target (tests/fuzz/elf) and the simulator share one reader.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace halyard::sim {

// A file that cannot be loaded; what() names the file, the field and its value.
class ElfError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Segment {
    uint32_t addr;               // p_paddr
    std::vector<uint8_t> bytes;  // p_memsz bytes: the file's p_filesz, then zeros
};

// A named symbol of the symbol table (functions, objects and the linker
// script's symbols such as __stacks_start), for messages and the memory guard.
struct Symbol {
    std::string name;
    uint32_t value = 0;
    uint32_t size = 0;
    bool function = false;  // STT_FUNC
};

// A section that occupies memory at run time (SHF_ALLOC), loaded or not
// (.bss and the arenas are NOLOAD).
struct Section {
    std::string name;
    uint32_t addr = 0;
    uint32_t size = 0;
};

struct Elf {
    uint32_t entry = 0;
    uint32_t tohost = 0;  // 0 when the file has no "tohost" symbol
    std::vector<Segment> segments;
    std::vector<Symbol> symbols;    // named, defined symbols, sorted by value
    std::vector<Section> sections;  // SHF_ALLOC sections of non-zero size, sorted by address

    // The symbol named `name`, or nullptr.
    const Symbol *symbol(const std::string &name) const;
    // "func+0x1c" for the function containing `pc` (or "0x..." when none does).
    std::string function_at(uint32_t pc) const;
    // The symbol containing `addr`, or else the nearest sized symbol below it,
    // or else the nearest symbol below it (nullptr when none lies below).
    const Symbol *object_near(uint32_t addr) const;
};

// Parse an ELF image held in memory; `path` names it in messages. The
// PT_LOAD segments may hold at most `max_load_bytes` in all (the memories
// they load into): the header sizes are checked against it and the file
// before anything is allocated. Throws ElfError.
Elf parse_elf(const std::vector<uint8_t> &file, const std::string &path, uint64_t max_load_bytes);
// Read and parse `path`.
Elf load_elf(const std::string &path, uint64_t max_load_bytes);

}  // namespace halyard::sim
