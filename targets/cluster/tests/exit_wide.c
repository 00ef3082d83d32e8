/* Exits with 513 (riscv-tests' code for "test 256 failed"): a process status
 * keeps 8 bits, so the simulator must not report it as 1 or, worse, 0. */
#include "halyard_rt.h"
int main(void) { return 513; }
