// Fuzz target: the simulator's ELF loader (targets/cluster/sim/elf_loader.h)
// with the limit halyard-sim passes (L1 + L2 of cluster.target), then what
// halyard-sim does with the result: symbol look-ups for messages and the
// memory guard built from its sections and symbols. The only error allowed
// is ElfError.
#include <cstdint>
#include <vector>

#include "elf_loader.h"
#include "memory_guard.h"
#include "halyard/target_description.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const auto cluster = halyard::TargetDescription::named("cluster");
    static const uint64_t memory_bytes = uint64_t(cluster.l1_size() + cluster.l2_size());
    static const halyard::sim::MemoryLayout layout{
        (uint32_t)cluster.get_int("l1.base"), (uint32_t)cluster.l1_size(), (uint32_t)cluster.get_int("l2.base"),
        (uint32_t)cluster.l2_size(),          (int)cluster.get_int("cores"), (uint32_t)cluster.get_int("stack.size")};
    try {
        const auto elf = halyard::sim::parse_elf(std::vector<uint8_t>(data, data + size), "fuzz.elf", memory_bytes);
        (void)elf.function_at(elf.entry);
        (void)elf.object_near(elf.entry);
        halyard::sim::MemoryGuard guard(elf, layout);
        if (guard.enabled()) {
            // Every allocated section's first and one-past-last word, a DMA
            // transfer over the first, and each core's stack pointer at 0.
            for (const auto &s : elf.sections) {
                (void)guard.check_access(s.addr, false);
                (void)guard.check_access(s.addr + s.size, true);
                (void)guard.check_transfer(s.addr, 64, 2, 128, true);
            }
            for (int c = 0; c < layout.cores; c++) (void)guard.check_sp(c, 0);
        }
    } catch (const halyard::sim::ElfError &) {
    }
    return 0;
}
