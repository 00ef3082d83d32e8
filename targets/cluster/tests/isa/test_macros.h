/* Test macros in the style of riscv-tests' test_macros.h (written anew). */
#ifndef HALYARD_TEST_MACROS_H
#define HALYARD_TEST_MACROS_H

#define MASK_XLEN(x) ((x) & 0xffffffff)
#define SEXT_IMM(x) ((x) | (-(((x) >> 11) & 1) << 11))

#define TEST_CASE(testnum, testreg, correctval, code...) \
test_ ## testnum:                                        \
    li TESTNUM, testnum;                                 \
    code;                                                \
    li x7, MASK_XLEN(correctval);                        \
    bne testreg, x7, fail;

#define TEST_IMM_OP(testnum, inst, result, val1, imm)    \
    TEST_CASE(testnum, x14, result,                      \
      li x1, MASK_XLEN(val1);                            \
      inst x14, x1, SEXT_IMM(imm))

#define TEST_IMM_SRC1_EQ_DEST(testnum, inst, result, val1, imm) \
    TEST_CASE(testnum, x1, result,                       \
      li x1, MASK_XLEN(val1);                            \
      inst x1, x1, SEXT_IMM(imm))

#define TEST_IMM_ZERODEST(testnum, inst, val1, imm)      \
    TEST_CASE(testnum, x0, 0,                            \
      li x1, MASK_XLEN(val1);                            \
      inst x0, x1, SEXT_IMM(imm))

#define TEST_RR_OP(testnum, inst, result, val1, val2)    \
    TEST_CASE(testnum, x14, result,                      \
      li x1, MASK_XLEN(val1);                            \
      li x2, MASK_XLEN(val2);                            \
      inst x14, x1, x2)

#define TEST_RR_SRC1_EQ_DEST(testnum, inst, result, val1, val2) \
    TEST_CASE(testnum, x1, result,                       \
      li x1, MASK_XLEN(val1);                            \
      li x2, MASK_XLEN(val2);                            \
      inst x1, x1, x2)

#define TEST_RR_SRC2_EQ_DEST(testnum, inst, result, val1, val2) \
    TEST_CASE(testnum, x2, result,                       \
      li x1, MASK_XLEN(val1);                            \
      li x2, MASK_XLEN(val2);                            \
      inst x2, x1, x2)

#define TEST_RR_ZERODEST(testnum, inst, val1, val2)      \
    TEST_CASE(testnum, x0, 0,                            \
      li x1, MASK_XLEN(val1);                            \
      li x2, MASK_XLEN(val2);                            \
      inst x0, x1, x2)

/* Load from tdat + offset. */
#define TEST_LD_OP(testnum, inst, result, offset, base)  \
    TEST_CASE(testnum, x14, result,                      \
      la x1, base;                                       \
      inst x14, offset(x1))

/* Store then load back. */
#define TEST_ST_OP(testnum, load_inst, store_inst, result, offset, base) \
    TEST_CASE(testnum, x14, result,                      \
      la x1, base;                                       \
      li x2, result;                                     \
      store_inst x2, offset(x1);                         \
      load_inst x14, offset(x1))

#define TEST_BR2_OP_TAKEN(testnum, inst, val1, val2)     \
test_ ## testnum:                                        \
    li TESTNUM, testnum;                                 \
    li x1, val1;                                         \
    li x2, val2;                                         \
    inst x1, x2, 2f;                                     \
    bne x0, TESTNUM, fail;                               \
1:  bne x0, TESTNUM, 3f;                                 \
2:  inst x1, x2, 1b;                                     \
    bne x0, TESTNUM, fail;                               \
3:

#define TEST_BR2_OP_NOTTAKEN(testnum, inst, val1, val2)  \
test_ ## testnum:                                        \
    li TESTNUM, testnum;                                 \
    li x1, val1;                                         \
    li x2, val2;                                         \
    inst x1, x2, 1f;                                     \
    bne x0, TESTNUM, 2f;                                 \
1:  bne x0, TESTNUM, fail;                               \
2:  inst x1, x2, 1b;                                     \
3:

#define TEST_PASSFAIL                                    \
    bne x0, TESTNUM, pass;                               \
fail:                                                    \
    RVTEST_FAIL;                                         \
pass:                                                    \
    RVTEST_PASS

#endif
