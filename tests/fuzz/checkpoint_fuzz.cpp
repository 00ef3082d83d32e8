// Fuzz target: a llama2.c checkpoint (apps/llm/checkpoint.h, either format;
// load_checkpoint reads a path, so the bytes go through a file). The only
// error allowed is CheckpointError.
#include <cstdint>

#include "fuzz_input.h"
#include "llm/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    using namespace halyard::llm;
    const std::string path = halyard::fuzz::write_input_file("fuzz.bin", data, size);
    try {
        const Checkpoint ck = load_checkpoint(path);
        (void)ck.classifier();
        (void)ck.config.kv_dim();
    } catch (const CheckpointError &) {
    }
    return 0;
}
