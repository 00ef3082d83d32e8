// Fuzz target: the simulator's ELF loader (targets/cluster/sim/elf_loader.h)
// with the limit halyard-sim passes (L1 + L2 of cluster.target). The only
// error allowed is ElfError.
#include <cstdint>
#include <vector>

#include "elf_loader.h"
#include "halyard/target_description.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const uint64_t memory_bytes = [] {
        const auto cluster = halyard::TargetDescription::named("cluster");
        return uint64_t(cluster.l1_size() + cluster.l2_size());
    }();
    try {
        (void)halyard::sim::parse_elf(std::vector<uint8_t>(data, data + size), "fuzz.elf", memory_bytes);
    } catch (const halyard::sim::ElfError &) {
    }
    return 0;
}
