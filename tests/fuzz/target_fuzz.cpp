// Fuzz target: a target description (targets/description:
// TargetDescription::load reads a path, so the bytes go through a file) and
// what the compiler, runtime and RTL read from it: every key as an integer,
// the derived budgets, the three renderings. The only error allowed is
// TargetError.
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

#include "fuzz_input.h"
#include "halyard/target_description.h"

namespace {

// host.target and rv32.target include cluster.target: a copy beside the
// fuzzed file lets their includes resolve.
void place_cluster_target() {
    std::ifstream in(std::string(HALYARD_TARGETS_DIR) + "/cluster.target", std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    halyard::fuzz::write_input_file("cluster.target", reinterpret_cast<const uint8_t *>(text.data()), text.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    using halyard::TargetDescription;
    using halyard::TargetError;
    static const bool placed = (place_cluster_target(), true);
    (void)placed;
    const std::string path = halyard::fuzz::write_input_file("fuzz.target", data, size);
    try {
        const TargetDescription t = TargetDescription::load(path);
        (void)t.name();
        (void)t.is_host();
        (void)t.has_extension("xpulpv2");
        for (const auto &key : t.keys()) {
            try {
                (void)t.get_int(key);
            } catch (const TargetError &) {
            }
        }
        for (auto read : {+[](const TargetDescription &d) { (void)d.cores(); },
                          +[](const TargetDescription &d) { (void)d.l1_size(); },
                          +[](const TargetDescription &d) { (void)d.l2_size(); },
                          +[](const TargetDescription &d) { (void)d.l1_data_budget(); },
                          +[](const TargetDescription &d) { (void)d.has_cluster_runtime(); },
                          +[](const TargetDescription &d) { (void)d.arena_align_bytes(); },
                          +[](const TargetDescription &d) { (void)d.l1_bank_bytes(); },
                          +[](const TargetDescription &d) { (void)d.with("l1.budget", "4096").l1_data_budget(); }}) {
            try {
                read(t);
            } catch (const TargetError &) {
            }
        }
        (void)t.to_c_header();
        (void)t.to_sv_package();
        (void)t.to_ld_script();
    } catch (const TargetError &) {
    }
    return 0;
}
