// halyard-sim's exit statuses besides the program's own exit code (0..100):
// one table for the simulator, which returns them, and for the tools that
// run it and tell the reasons apart (targets/harness, the bench).
#pragma once

namespace halyard::sim {

enum SimStatus : int {
    kExitFatal = 101,         // a fatal stop: illegal instruction, misaligned jump target, unmapped access (or a split misaligned one across memories), bad DMA/NPU job
    kExitHang = 102,          // every core asleep with nothing pending
    kExitTimeout = 103,       // --max-cycles reached
    kExitUsage = 104,         // bad command line, unreadable ELF
    kExitCodeTooWide = 105,   // the program's exit code does not fit a process status (printed in full)
    kExitGuard = 106,         // the memory guard or the barrier timeout stopped the run
};

}  // namespace halyard::sim
