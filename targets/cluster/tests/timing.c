/* The timing model, instruction class by instruction class (README "Timing
   model"): cycles between two mcycle reads around a sequence. These are
   model-conformance checks with exact counts from cluster.target. */
#include "halyard_rt.h"
#include "halyard_xpulp.h"

static volatile uint32_t l1_word HL_L1_BSS;
static volatile uint32_t l2_word = 42;
static int failures;

#define MEASURE(name, want, body, ...)                                            \
    do {                                                                          \
        uint32_t t0, t1;                                                          \
        __asm__ volatile("csrr %0, mcycle\n\t" body "\n\tcsrr %1, mcycle"         \
                         : "=&r"(t0), "=&r"(t1) : __VA_ARGS__ : "t0", "t1", "t2", "memory"); \
        uint32_t got = t1 - t0 - 1;                                               \
        hl_printf("%-30s %3lu cycles (model %d)\n", name, got, (int)(want));      \
        if (got != (uint32_t)(want)) failures++;                                  \
    } while (0)

int main(void) {
    volatile uint32_t *l1 = &l1_word, *l2 = &l2_word;
    MEASURE("nop", 1, "nop", "r"(0));
    MEASURE("10 x addi", 10, ".rept 10\n\taddi t0, t0, 1\n\t.endr", "r"(0));
    MEASURE("branch not taken", 1, "bne x0, x0, 1f\n1:", "r"(0));
    MEASURE("branch taken", HALYARD_CORE_BRANCH_TAKEN_CYCLES, "beq x0, x0, 1f\n1:", "r"(0));
    MEASURE("jal", HALYARD_CORE_JUMP_CYCLES, "jal x0, 1f\n1:", "r"(0));
    MEASURE("la + jalr", 2 + HALYARD_CORE_JUMP_CYCLES, "la t0, 1f\n\tjalr x0, 0(t0)\n1:", "r"(0));
    MEASURE("(la for jalr)", 2, "la t0, 1f\n1:", "r"(0));
    MEASURE("L1 load", 1, "lw t0, 0(%2)", "r"(l1));
    MEASURE("L1 load + independent", 2, "lw t0, 0(%2)\n\taddi t1, t2, 1", "r"(l1));
    MEASURE("L1 load + use", 2 + HALYARD_CORE_LOAD_USE_CYCLES, "lw t0, 0(%2)\n\taddi t1, t0, 1", "r"(l1));
    MEASURE("L1 store", 1, "sw t0, 0(%2)", "r"(l1));
    MEASURE("L2 load", HALYARD_L2_LATENCY, "lw t0, 0(%2)", "r"(l2));
    MEASURE("L2 store (posted)", 1, "sw t0, 0(%2)", "r"(l2));
    MEASURE("mul", 1, "mul t0, t1, t2", "r"(0));
    MEASURE("mulh", HALYARD_CORE_MULH_CYCLES, "mulh t0, t1, t2", "r"(0));
    MEASURE("mulhu", HALYARD_CORE_MULH_CYCLES, "mulhu t0, t1, t2", "r"(0));
    MEASURE("2 li + div 100/7", 2 + HALYARD_CORE_DIV_MIN_CYCLES + 5, "li t1, 100\n\tli t2, 7\n\tdiv t0, t1, t2", "r"(0));
    MEASURE("(li x2)", 2, "li t1, 100\n\tli t2, 7", "r"(0));
    MEASURE("2 li + divu -1/1 (longest)", 2 + HALYARD_CORE_DIV_MIN_CYCLES + 32, "li t1, -1\n\tli t2, 1\n\tdivu t0, t1, t2", "r"(0));
    MEASURE("2 li + rem x/0", 2 + HALYARD_CORE_DIV_MIN_CYCLES, "li t1, 5\n\tli t2, 0\n\trem t0, t1, t2", "r"(0));
    MEASURE("sdotsp.b", 1, ".insn r 0x57, 1, 0x5C, t0, t1, t2", "r"(0));
    MEASURE("p.mac", 1, ".insn r 0x33, 0, 0x21, t0, t1, t2", "r"(0));
    MEASURE("mv + p.lw post-inc L1 + use", 3 + HALYARD_CORE_LOAD_USE_CYCLES,
            "mv t1, %2\n\t.insn i 0x0B, 2, t0, 4(t1)\n\taddi t2, t0, 1", "r"(l1));
    MEASURE("hwloop 10 x 1 instr", 1 + 10, HL_LP_SETUPI(0, 10, 1f) "addi t0, t0, 1\n1:", "r"(0));
    MEASURE("hwloop 5 x 3 instr", 1 + 15, HL_LP_SETUPI(0, 5, 1f) "addi t0, t0, 1\n\taddi t1, t1, 1\n\taddi t2, t2, 1\n1:", "r"(0));
    hl_printf("timing: %d mismatches\n", failures);
    return failures != 0;
}
