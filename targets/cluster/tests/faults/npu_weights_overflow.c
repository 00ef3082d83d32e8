/* A load past the end of the program's .npu_weights data (into the part of
   the NPU's weight memory nothing was placed in). */
#include "halyard_rt.h"

uint32_t weights[16] HL_NPU_WEIGHTS = {1};

__attribute__((noinline)) static uint32_t sum(const volatile uint32_t *p, unsigned n) {
    uint32_t s = 0;
    for (unsigned i = 0; i < n; i++) s += p[i];
    return s;
}

int main(void) { return (int)sum(weights, 20); }
