// Shared types of the cluster model. Hardware parameters (sizes, addresses,
// timing) come from the generated halyard_target_pkg; this package only holds
// encodings that are part of the ISA or of the internal interfaces.
package halyard_pkg;

  // Base and XpulpV2 (CV32E40P v1.0.0 classic) major opcodes.
  typedef enum logic [6:0] {
    OpcLoad     = 7'h03,
    OpcPostLoad = 7'h0B,  // p.lX rd, imm(rs1!) / rs2(rs1!)
    OpcMiscMem  = 7'h0F,
    OpcOpImm    = 7'h13,
    OpcAuipc    = 7'h17,
    OpcStore    = 7'h23,
    OpcPostStore= 7'h2B,  // p.sX rs2, imm(rs1!) / rs3(rs1!)
    OpcOp       = 7'h33,  // also p.mac/p.msu, p.abs/min/max, p.clip
    OpcLui      = 7'h37,
    OpcSimd     = 7'h57,  // pv.dot*/pv.sdot*
    OpcBranch   = 7'h63,
    OpcJalr     = 7'h67,
    OpcJal      = 7'h6F,
    OpcSystem   = 7'h73,
    OpcHwloop   = 7'h7B
  } opcode_e;

  // Why a core did not retire an instruction in a cycle; each has a counter.
  typedef enum logic [2:0] {
    StallNone     = 3'd0,
    StallTcdm     = 3'd1,  // lost TCDM bank arbitration
    StallL2       = 3'd2,  // waiting for the shared L2 port or its latency
    StallSleep    = 3'd3,  // sleeping in the event unit (wait, barrier)
    StallPeriph   = 3'd4   // peripheral back-pressure (DMA queue full)
  } stall_e;

  // Per-core performance counters, in register order (perf.base + 4*index).
  // How many a core has is the target's perf.counters (at least PerfKinds).
  localparam int unsigned PerfCycles     = 0;
  localparam int unsigned PerfInstret    = 1;
  localparam int unsigned PerfLoadUse    = 2;
  localparam int unsigned PerfTcdmStall  = 3;
  localparam int unsigned PerfL2Wait     = 4;
  localparam int unsigned PerfBranch     = 5;  // taken branch/jump/trap bubbles
  localparam int unsigned PerfSleep      = 6;
  localparam int unsigned PerfMulticycle = 7;  // mulh/div stalls, first part of a split access
  localparam int unsigned PerfKinds = 8;  // the counters above

  // Why the execute stage holds an instruction (internal stalls of a core).
  typedef enum logic [1:0] {
    ExStallBubble     = 2'd0,  // bubble after a taken branch, jump or trap
    ExStallLoadUse    = 2'd1,  // the instruction reads the register a load just wrote
    ExStallMulticycle = 2'd2   // mulh/div still computing
  } ex_stall_e;

  // Machine-mode CSRs (and the XpulpV2 hardware-loop CSRs) the core implements.
  typedef enum logic [11:0] {
    CsrMstatus   = 12'h300,
    CsrMisa      = 12'h301,
    CsrMie       = 12'h304,
    CsrMtvec     = 12'h305,
    CsrMscratch  = 12'h340,
    CsrMepc      = 12'h341,
    CsrMcause    = 12'h342,
    CsrMtval     = 12'h343,
    CsrMip       = 12'h344,
    CsrLpStart0  = 12'h7B0,
    CsrLpEnd0    = 12'h7B1,
    CsrLpCount0  = 12'h7B2,
    CsrLpStart1  = 12'h7B4,
    CsrLpEnd1    = 12'h7B5,
    CsrLpCount1  = 12'h7B6,
    CsrMcycle    = 12'hB00,
    CsrMinstret  = 12'hB02,
    CsrMcycleh   = 12'hB80,
    CsrMinstreth = 12'hB82,
    CsrCycle     = 12'hC00,
    CsrInstret   = 12'hC02,
    CsrCycleh    = 12'hC80,
    CsrInstreth  = 12'hC82,
    CsrMvendorid = 12'hF11,
    CsrMarchid   = 12'hF12,
    CsrMimpid    = 12'hF13,
    CsrMhartid   = 12'hF14
  } csr_e;

  // CSR instruction kinds (funct3[1:0] of csrrw/csrrs/csrrc and their imm forms).
  typedef enum logic [1:0] {
    CsrOpNone  = 2'b00,
    CsrOpWrite = 2'b01,
    CsrOpSet   = 2'b10,
    CsrOpClear = 2'b11
  } csr_op_e;

  // ALU operations (halyard_alu), including XpulpV2's abs/min/max/clip.
  typedef enum logic [4:0] {
    AluAdd, AluSub, AluXor, AluOr, AluAnd, AluSll, AluSrl, AluSra,
    AluEq, AluNe, AluLt, AluGe, AluLtu, AluGeu,  // comparisons: result {31'b0, cmp}
    AluLe, AluLeu,                               // p.slet, p.sletu
    AluAbs, AluMin, AluMinu, AluMax, AluMaxu,
    AluClip, AluClipu, AluClipr, AluClipur
  } alu_op_e;

  // The ALU's first operand.
  typedef enum logic [1:0] {
    OpARegA = 2'd0,  // rs1
    OpAPc   = 2'd1,  // auipc
    OpAZero = 2'd2   // lui
  } op_a_sel_e;

  // Multiplier/divider operations (halyard_mult_div), including the dot products.
  typedef enum logic [3:0] {
    MdMul, MdMulh, MdMulhsu, MdMulhu, MdDiv, MdDivu, MdRem, MdRemu,
    MdMac, MdMsu, MdDot
  } md_op_e;

  // What the register write port of rd takes.
  typedef enum logic [2:0] {
    WbAlu, WbMultDiv, WbLink, WbCsr, WbLoad
  } wb_sel_e;

  // The post-increment of p.lX/p.sX: immediate, rs2 (loads) or rs3 in rd (stores).
  typedef enum logic [1:0] {
    IncImm = 2'd0,
    IncRs2 = 2'd1,
    IncRd  = 2'd2
  } lsu_inc_e;

  // What a core did in a cycle: exactly the event its perf counters count
  // (activity_o, for halyard-sim's timeline and energy model).
  typedef enum logic [3:0] {
    ActHalted     = 4'd0,  // stopped (fatal) or reset
    ActRetire     = 4'd1,  // an instruction retired
    ActTrap       = 4'd2,  // an instruction trapped (counted as neither)
    ActBranch     = 4'd3,  // taken branch / jump / trap bubble
    ActLoadUse    = 4'd4,
    ActMulticycle = 4'd5,  // mulh/div, first part of a split access
    ActTcdm       = 4'd6,  // lost TCDM bank arbitration
    ActL2         = 4'd7,  // waiting for L2 (or DMA queue back-pressure)
    ActSleep      = 4'd8   // asleep in the event unit (wait or barrier)
  } activity_e;

  // Why a core stopped the simulation.
  typedef enum logic [3:0] {
    FatalNone       = 4'd0,
    FatalIllegal    = 4'd1,  // illegal instruction with no trap handler (mtvec == 0)
    FatalFetch      = 4'd2,  // fetch outside L2
    FatalBus        = 4'd3,  // load/store to an address that maps nowhere
    FatalMisaligned = 4'd4,  // misaligned jump/branch target with no trap handler
    FatalEcall      = 4'd5,  // ecall with no trap handler
    FatalEbreak     = 4'd6,  // ebreak with no trap handler
    FatalDma        = 4'd7,  // DMA transfer with an unsupported source/destination
    FatalSplit      = 4'd8   // misaligned load/store whose two words are not in one memory
  } fatal_e;

  // Machine-mode trap causes.
  localparam logic [31:0] CauseInstrMisaligned = 32'd0;
  localparam logic [31:0] CauseIllegal         = 32'd2;
  localparam logic [31:0] CauseBreakpoint      = 32'd3;
  localparam logic [31:0] CauseEcallM          = 32'd11;

endpackage
