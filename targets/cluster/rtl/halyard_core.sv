// One RV32IM + XpulpV2-subset core.
//
// Timing model: the datapath is single-cycle (an instruction is decoded,
// executed and written back in the cycle it retires) and the pipeline of a
// CV32E40P is reproduced by stall counters, so the cycle count equals that of
// the 4-stage pipeline for the cases the model covers:
//   - taken branch: BranchTakenCycles (3) cycles, jal/jalr/mret: JumpCycles (2),
//     trap entry: TrapCycles (3): the extra cycles are bubbles after the
//     instruction retires (bubble_q);
//   - load: 1 cycle when granted, plus LoadUseCycles (1) when the next
//     instruction reads the loaded register (lu_rd_q);
//   - mul: 1 cycle; mulh*: MulhCycles (5); div/rem: DivMinCycles (3) plus one
//     per quotient bit, at most 35 (mc_busy_q/mc_cnt_q);
//   - hardware-loop jump back: 0 extra cycles;
//   - memory: the cluster grants an access in the same cycle (TCDM hit, no
//     conflict) or later (bank conflict, L2 latency, event-unit sleep); the
//     core re-presents the request until data_gnt_i and counts the reason.
// The decode/execute block never reads data_gnt_i, so the request does not
// depend on the grant and the cluster's arbiters sit between the two blocks.
module halyard_core import halyard_pkg::*; #(
  parameter int unsigned BranchTakenCycles = 3,
  parameter int unsigned JumpCycles        = 2,
  parameter int unsigned TrapCycles        = 3,
  parameter int unsigned MulhCycles        = 5,
  parameter int unsigned LoadUseCycles     = 1,
  parameter int unsigned DivMinCycles      = 3
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic [31:0] hart_id_i,
  input  logic [31:0] boot_addr_i,

  // Instruction fetch: ideal, answered combinationally.
  output logic [31:0] instr_addr_o,
  input  logic [31:0] instr_rdata_i,
  input  logic        instr_err_i,

  // Data: word-aligned address with byte enables.
  output logic        data_req_o,
  output logic        data_we_o,
  output logic [3:0]  data_be_o,
  output logic [31:0] data_addr_o,
  output logic [31:0] data_wdata_o,
  input  logic        data_gnt_i,    // the access completes this cycle
  input  logic [31:0] data_rdata_i,  // valid with data_gnt_i for loads
  input  stall_e      data_stall_i,  // reason when !data_gnt_i
  input  logic        data_err_i,    // the address maps nowhere

  input  logic        perf_clear_i,
  output logic [31:0] perf_o [NumPerf],

  output logic        halted_o,
  output fatal_e      fatal_o,
  output logic [31:0] pc_o,
  output logic [31:0] sp_o,         // x2, for the simulator's stack guard
  output logic [31:0] fatal_addr_o,
  output logic        sleeping_o,
  output logic        retire_o,     // an instruction retired or trapped (for traces)
  output activity_e   activity_o    // what this cycle counts as (perf counters)
);

  // ---------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------
  logic [31:0] pc_q, pc_d;
  logic [31:0] rf_q [32];
  logic [3:0]  bubble_q, bubble_d;
  logic [4:0]  lu_rd_q, lu_rd_d;
  logic        mc_busy_q, mc_busy_d;
  logic [5:0]  mc_cnt_q, mc_cnt_d;
  logic        halted_q, halted_d;
  fatal_e      fatal_q, fatal_d;
  logic [31:0] fatal_addr_q, fatal_addr_d;

  logic [31:0] mtvec_q, mepc_q, mcause_q, mtval_q, mscratch_q;
  logic        mie_q, mpie_q;
  logic [63:0] mcycle_q, minstret_q;
  logic [31:0] lp_start_q [2];
  logic [31:0] lp_end_q   [2];
  logic [31:0] lp_count_q [2];
  logic [31:0] perf_q [NumPerf];

  // ---------------------------------------------------------------------------
  // Decode and execute (does not depend on the data grant)
  // ---------------------------------------------------------------------------
  logic [31:0] instr;
  logic [6:0]  opcode;
  logic [4:0]  rd, rs1, rs2;
  logic [2:0]  funct3;
  logic [6:0]  funct7;
  logic [31:0] op_a, op_b, op_c;
  logic [31:0] imm_i, imm_s, imm_b, imm_u, imm_j;

  assign instr  = instr_rdata_i;
  assign opcode = instr[6:0];
  assign rd     = instr[11:7];
  assign funct3 = instr[14:12];
  assign rs1    = instr[19:15];
  assign rs2    = instr[24:20];
  assign funct7 = instr[31:25];
  assign op_a   = rf_q[rs1];
  assign op_b   = rf_q[rs2];
  assign op_c   = rf_q[rd];
  assign imm_i  = {{20{instr[31]}}, instr[31:20]};
  assign imm_s  = {{20{instr[31]}}, instr[31:25], instr[11:7]};
  assign imm_b  = {{19{instr[31]}}, instr[31], instr[7], instr[30:25], instr[11:8], 1'b0};
  assign imm_u  = {instr[31:12], 12'b0};
  assign imm_j  = {{11{instr[31]}}, instr[31], instr[19:12], instr[20], instr[30:21], 1'b0};

  // Outputs of the decode/execute block.
  logic        ex_stall;        // an internal stall holds the instruction
  logic [2:0]  ex_stall_kind;   // 0 bubble, 1 load-use, 2 multicycle
  logic        ex_mc_start;
  logic [5:0]  ex_mc_cnt;
  logic        ex_illegal;
  logic        ex_trap;
  logic [31:0] ex_cause, ex_tval;
  logic        ex_mem;          // a load/store goes to the data port
  logic        ex_load;
  logic [1:0]  ex_size;         // 0 byte, 1 half, 2 word
  logic        ex_signed;
  logic [1:0]  ex_byte;         // address[1:0]
  logic        ex_rd_we;
  logic [31:0] ex_rd_val;
  logic        ex_inc_we;       // post-increment register update
  logic [31:0] ex_inc_val;
  logic [31:0] ex_npc;
  logic [3:0]  ex_bubble;
  logic        ex_csr_we;
  logic [11:0] ex_csr_addr;
  logic [31:0] ex_csr_wval;
  logic        ex_mret;
  logic        ex_lp_we;
  logic        ex_lp_idx;
  logic [2:0]  ex_lp_mask;      // bit0 start, bit1 end, bit2 count
  logic [31:0] ex_lp_start, ex_lp_end, ex_lp_count;

  // Number of quotient bits an iterative divider produces for |a| / |b|.
  function automatic logic [5:0] clz32(input logic [31:0] v);
    logic [5:0] n;
    n = 6'd32;
    for (int i = 31; i >= 0; i--) begin
      if (v[i]) begin
        n = 6'(31 - i);
        break;
      end
    end
    return n;
  endfunction

  function automatic logic [31:0] dot4(input logic [31:0] a, input logic [31:0] b,
                                        input logic sa, input logic sb);
    logic signed [31:0] acc;
    acc = 0;
    for (int i = 0; i < 4; i++) begin
      acc += $signed({sa & a[8*i+7], a[8*i +: 8]}) * $signed({sb & b[8*i+7], b[8*i +: 8]});
    end
    return acc;
  endfunction

  function automatic logic [31:0] dot2(input logic [31:0] a, input logic [31:0] b,
                                        input logic sa, input logic sb);
    logic signed [31:0] acc;
    acc = 0;
    for (int i = 0; i < 2; i++) begin
      acc += $signed({sa & a[16*i+15], a[16*i +: 16]}) * $signed({sb & b[16*i+15], b[16*i +: 16]});
    end
    return acc;
  endfunction

  logic [31:0] csr_rval;
  logic        csr_ok;

  always_comb begin
    csr_ok = 1'b1;
    unique case (instr[31:20])
      12'hF14: csr_rval = hart_id_i;
      12'hF11, 12'hF12, 12'hF13: csr_rval = '0;
      12'h300: csr_rval = {19'b0, 2'b11, 3'b0, mpie_q, 3'b0, mie_q, 3'b0};
      12'h301: csr_rval = 32'h4000_1100;  // RV32IM
      12'h304, 12'h344: csr_rval = '0;    // mie/mip: no interrupts
      12'h305: csr_rval = mtvec_q;
      12'h340: csr_rval = mscratch_q;
      12'h341: csr_rval = mepc_q;
      12'h342: csr_rval = mcause_q;
      12'h343: csr_rval = mtval_q;
      12'hB00, 12'hC00: csr_rval = mcycle_q[31:0];
      12'hB80, 12'hC80: csr_rval = mcycle_q[63:32];
      12'hB02, 12'hC02: csr_rval = minstret_q[31:0];
      12'hB82, 12'hC82: csr_rval = minstret_q[63:32];
      12'h7B0: csr_rval = lp_start_q[0];
      12'h7B1: csr_rval = lp_end_q[0];
      12'h7B2: csr_rval = lp_count_q[0];
      12'h7B4: csr_rval = lp_start_q[1];
      12'h7B5: csr_rval = lp_end_q[1];
      12'h7B6: csr_rval = lp_count_q[1];
      default: begin
        csr_rval = '0;
        csr_ok   = 1'b0;
      end
    endcase
  end

  always_comb begin
    logic        uses_rs1, uses_rs2, uses_rd;
    logic [31:0] addr, seq_pc, res, csr_src;
    logic        taken, jump, misaligned;
    logic [5:0]  mc_total;
    logic signed [63:0] prod;
    logic [31:0] abs_a, abs_b, lo, hi, vb;
    logic        sa, sb;

    ex_stall      = 1'b0;
    ex_stall_kind = 3'd0;
    ex_mc_start   = 1'b0;
    ex_mc_cnt     = '0;
    ex_illegal    = 1'b0;
    ex_trap       = 1'b0;
    ex_cause      = '0;
    ex_tval       = '0;
    ex_mem        = 1'b0;
    ex_load       = 1'b0;
    ex_size       = 2'd2;
    ex_signed     = 1'b0;
    ex_byte       = 2'd0;
    ex_rd_we      = 1'b0;
    ex_rd_val     = '0;
    ex_inc_we     = 1'b0;
    ex_inc_val    = '0;
    ex_bubble     = '0;
    ex_csr_we     = 1'b0;
    ex_csr_addr   = instr[31:20];
    ex_csr_wval   = '0;
    ex_mret       = 1'b0;
    ex_lp_we      = 1'b0;
    ex_lp_idx     = instr[7];
    ex_lp_mask    = 3'b0;
    ex_lp_start   = '0;
    ex_lp_end     = '0;
    ex_lp_count   = '0;
    data_req_o    = 1'b0;
    data_we_o     = 1'b0;
    data_be_o     = 4'b0;
    data_wdata_o  = '0;
    addr          = '0;
    taken         = 1'b0;
    jump          = 1'b0;
    mc_total      = 6'd1;
    seq_pc        = pc_q + 32'd4;
    ex_npc        = seq_pc;
    uses_rs1      = 1'b0;
    uses_rs2      = 1'b0;
    uses_rd       = 1'b0;

    unique case (opcode)
      OpcLui: begin
        ex_rd_we = 1'b1; ex_rd_val = imm_u;
      end
      OpcAuipc: begin
        ex_rd_we = 1'b1; ex_rd_val = pc_q + imm_u;
      end
      OpcJal: begin
        ex_rd_we = 1'b1; ex_rd_val = seq_pc;
        ex_npc = pc_q + imm_j; jump = 1'b1;
      end
      OpcJalr: begin
        uses_rs1 = 1'b1;
        ex_rd_we = 1'b1; ex_rd_val = seq_pc;
        ex_npc = (op_a + imm_i) & ~32'd1; jump = 1'b1;
        ex_illegal = (funct3 != 3'b000);
      end
      OpcBranch: begin
        uses_rs1 = 1'b1; uses_rs2 = 1'b1;
        unique case (funct3)
          3'b000: taken = (op_a == op_b);
          3'b001: taken = (op_a != op_b);
          3'b100: taken = ($signed(op_a) <  $signed(op_b));
          3'b101: taken = ($signed(op_a) >= $signed(op_b));
          3'b110: taken = (op_a <  op_b);
          3'b111: taken = (op_a >= op_b);
          default: ex_illegal = 1'b1;
        endcase
        if (taken) ex_npc = pc_q + imm_b;
      end
      OpcLoad, OpcPostLoad: begin
        uses_rs1 = 1'b1;
        ex_load  = 1'b1;
        ex_rd_we = 1'b1;
        if (opcode == OpcLoad) begin
          addr = op_a + imm_i;
          ex_size = funct3[1:0]; ex_signed = ~funct3[2];
          ex_illegal = (funct3 == 3'b011) || (funct3 == 3'b110) || (funct3 == 3'b111);
        end else if (funct3 != 3'b111) begin
          // p.lX rd, imm(rs1!)
          addr = op_a;
          ex_size = funct3[1:0]; ex_signed = ~funct3[2];
          ex_inc_we = 1'b1; ex_inc_val = op_a + imm_i;
          ex_illegal = (funct3 == 3'b011) || (funct3 == 3'b110);
        end else begin
          // p.lX rd, rs2(rs1!): size and sign from funct7
          uses_rs2 = 1'b1;
          addr = op_a;
          ex_inc_we = 1'b1; ex_inc_val = op_a + op_b;
          unique case (funct7)
            7'b0000000: begin ex_size = 2'd0; ex_signed = 1'b1; end
            7'b0001000: begin ex_size = 2'd1; ex_signed = 1'b1; end
            7'b0010000: begin ex_size = 2'd2; ex_signed = 1'b0; end
            7'b0100000: begin ex_size = 2'd0; ex_signed = 1'b0; end
            7'b0101000: begin ex_size = 2'd1; ex_signed = 1'b0; end
            default: ex_illegal = 1'b1;
          endcase
        end
      end
      OpcStore, OpcPostStore: begin
        uses_rs1 = 1'b1; uses_rs2 = 1'b1;
        ex_size = funct3[1:0];
        if (opcode == OpcStore) begin
          addr = op_a + imm_s;
          ex_illegal = (funct3[2] || funct3[1:0] == 2'b11);
        end else if (!funct3[2]) begin
          addr = op_a;
          ex_inc_we = 1'b1; ex_inc_val = op_a + imm_s;
          ex_illegal = (funct3[1:0] == 2'b11);
        end else begin
          // p.sX rs2, rs3(rs1!): rs3 in the rd field
          uses_rd = 1'b1;
          addr = op_a;
          ex_inc_we = 1'b1; ex_inc_val = op_a + op_c;
          ex_illegal = (funct3[1:0] == 2'b11) || (funct7 != 7'b0);
        end
      end
      OpcOpImm: begin
        uses_rs1 = 1'b1;
        ex_rd_we = 1'b1;
        unique case (funct3)
          3'b000: ex_rd_val = op_a + imm_i;
          3'b010: ex_rd_val = {31'b0, $signed(op_a) < $signed(imm_i)};
          3'b011: ex_rd_val = {31'b0, op_a < imm_i};
          3'b100: ex_rd_val = op_a ^ imm_i;
          3'b110: ex_rd_val = op_a | imm_i;
          3'b111: ex_rd_val = op_a & imm_i;
          3'b001: begin
            ex_rd_val = op_a << instr[24:20];
            ex_illegal = (funct7 != 7'b0);
          end
          default: begin  // 3'b101
            if (funct7 == 7'b0100000) ex_rd_val = 32'($signed(op_a) >>> instr[24:20]);
            else                      ex_rd_val = op_a >> instr[24:20];
            ex_illegal = (funct7 != 7'b0) && (funct7 != 7'b0100000);
          end
        endcase
      end
      OpcOp: begin
        uses_rs1 = 1'b1; uses_rs2 = 1'b1;
        ex_rd_we = 1'b1;
        unique case (funct7)
          7'b0000000: begin
            unique case (funct3)
              3'b000: ex_rd_val = op_a + op_b;
              3'b001: ex_rd_val = op_a << op_b[4:0];
              3'b010: ex_rd_val = {31'b0, $signed(op_a) < $signed(op_b)};
              3'b011: ex_rd_val = {31'b0, op_a < op_b};
              3'b100: ex_rd_val = op_a ^ op_b;
              3'b101: ex_rd_val = op_a >> op_b[4:0];
              3'b110: ex_rd_val = op_a | op_b;
              default: ex_rd_val = op_a & op_b;
            endcase
          end
          7'b0100000: begin
            unique case (funct3)
              3'b000: ex_rd_val = op_a - op_b;
              3'b101: ex_rd_val = 32'($signed(op_a) >>> op_b[4:0]);
              default: ex_illegal = 1'b1;
            endcase
          end
          7'b0000001: begin
            unique case (funct3)
              3'b000: ex_rd_val = op_a * op_b;
              3'b001, 3'b010, 3'b011: begin
                mc_total = 6'(MulhCycles);
                if (funct3 == 3'b001)      prod = $signed({{32{op_a[31]}}, op_a}) * $signed({{32{op_b[31]}}, op_b});
                else if (funct3 == 3'b010) prod = $signed({{32{op_a[31]}}, op_a}) * $signed({32'b0, op_b});
                else                       prod = $signed({32'b0, op_a}) * $signed({32'b0, op_b});
                ex_rd_val = prod[63:32];
              end
              default: begin
                // div (100), divu (101), rem (110), remu (111)
                if (funct3[0]) begin
                  abs_a = op_a; abs_b = op_b;
                end else begin
                  abs_a = op_a[31] ? -op_a : op_a;
                  abs_b = op_b[31] ? -op_b : op_b;
                end
                if (!mc_busy_q) begin
                  if (abs_b == 0 || clz32(abs_b) < clz32(abs_a)) mc_total = 6'(DivMinCycles);
                  else mc_total = 6'(DivMinCycles) + clz32(abs_b) - clz32(abs_a) + 6'd1;
                end else begin
                  mc_total = 6'd2;
                end
                if (op_b == 0) begin
                  ex_rd_val = funct3[1] ? op_a : 32'hFFFF_FFFF;
                end else if (!funct3[0] && op_a == 32'h8000_0000 && op_b == 32'hFFFF_FFFF) begin
                  ex_rd_val = funct3[1] ? 32'd0 : 32'h8000_0000;
                end else if (funct3[0]) begin
                  ex_rd_val = funct3[1] ? op_a % op_b : op_a / op_b;
                end else begin
                  ex_rd_val = funct3[1] ? 32'($signed(op_a) % $signed(op_b))
                                        : 32'($signed(op_a) / $signed(op_b));
                end
              end
            endcase
          end
          7'b0000010: begin
            // p.abs, p.slet, p.sletu, p.min, p.minu, p.max, p.maxu
            unique case (funct3)
              3'b000: ex_rd_val = op_a[31] ? -op_a : op_a;
              3'b010: ex_rd_val = {31'b0, $signed(op_a) <= $signed(op_b)};
              3'b011: ex_rd_val = {31'b0, op_a <= op_b};
              3'b100: ex_rd_val = ($signed(op_a) < $signed(op_b)) ? op_a : op_b;
              3'b101: ex_rd_val = (op_a < op_b) ? op_a : op_b;
              3'b110: ex_rd_val = ($signed(op_a) > $signed(op_b)) ? op_a : op_b;
              3'b111: ex_rd_val = (op_a > op_b) ? op_a : op_b;
              default: ex_illegal = 1'b1;
            endcase
          end
          7'b0001010: begin
            // p.clip/p.clipu rd, rs1, Is2: bounds -2^(Is2-1) .. 2^(Is2-1)-1
            // (clipu: 0 ..); p.clipr/p.clipur take the upper bound from rs2.
            if (funct3 == 3'b001 || funct3 == 3'b010) begin
              hi = (32'd1 << instr[24:20]) >> 1;
              lo = -hi;
              hi = hi - 32'd1;
              uses_rs2 = 1'b0;
            end else begin
              hi = op_b;
              lo = -op_b - 32'd1;
            end
            if (funct3 == 3'b010 || funct3 == 3'b110) lo = '0;
            unique case (funct3)
              3'b001, 3'b010, 3'b101, 3'b110: begin
                if ($signed(op_a) <= $signed(lo))      ex_rd_val = lo;
                else if ($signed(op_a) >= $signed(hi)) ex_rd_val = hi;
                else                                   ex_rd_val = op_a;
              end
              default: ex_illegal = 1'b1;
            endcase
          end
          7'b0100001: begin
            // p.mac rd += rs1*rs2 / p.msu rd -= rs1*rs2
            uses_rd = 1'b1;
            unique case (funct3)
              3'b000: ex_rd_val = op_c + op_a * op_b;
              3'b001: ex_rd_val = op_c - op_a * op_b;
              default: ex_illegal = 1'b1;
            endcase
          end
          default: ex_illegal = 1'b1;
        endcase
      end
      OpcSimd: begin
        // pv.{dot,sdot}{up,usp,sp}.{h,b}; funct3 000 .h, 001 .b, 100 .sc.h, 101 .sc.b
        uses_rs1 = 1'b1; uses_rs2 = 1'b1;
        ex_rd_we = 1'b1;
        vb = op_b;
        if (funct3 == 3'b100) vb = {2{op_b[15:0]}};
        if (funct3 == 3'b101) vb = {4{op_b[7:0]}};
        sa = 1'b0; sb = 1'b0;
        // funct6 = instr[31:26]: 1 0 s t t 0 with s = accumulate (sdot) and
        // tt = 00 unsigned, 01 unsigned x signed, 11 signed; instr[25] = 0.
        unique case ({instr[31:30], instr[28:25]})
          6'b10_0000: begin sa = 1'b0; sb = 1'b0; end  // dotup
          6'b10_0100: begin sa = 1'b0; sb = 1'b1; end  // dotusp
          6'b10_1100: begin sa = 1'b1; sb = 1'b1; end  // dotsp
          default: ex_illegal = 1'b1;
        endcase
        if (funct3[1]) ex_illegal = 1'b1;
        uses_rd = instr[29];  // sdot*: accumulate into rd
        res = instr[12] ? dot4(op_a, vb, sa, sb) : dot2(op_a, vb, sa, sb);
        ex_rd_val = instr[29] ? op_c + res : res;
      end
      OpcHwloop: begin
        ex_lp_we    = 1'b1;
        ex_lp_start = pc_q + {19'b0, instr[31:20], 1'b0};
        ex_lp_end   = pc_q + {19'b0, instr[31:20], 1'b0};
        ex_lp_count = {20'b0, instr[31:20]};
        unique case (funct3)
          3'b000: ex_lp_mask = 3'b001;  // lp.starti L, uimm
          3'b001: ex_lp_mask = 3'b010;  // lp.endi L, uimm
          3'b010: begin                 // lp.count L, rs1
            uses_rs1 = 1'b1;
            ex_lp_mask = 3'b100; ex_lp_count = op_a;
          end
          3'b011: ex_lp_mask = 3'b100;  // lp.counti L, uimm
          3'b100: begin                 // lp.setup L, rs1, uimm(end)
            uses_rs1 = 1'b1;
            ex_lp_mask = 3'b111; ex_lp_start = seq_pc; ex_lp_count = op_a;
          end
          3'b101: begin                 // lp.setupi L, uimm(count), uimmS(end)
            ex_lp_mask = 3'b111; ex_lp_start = seq_pc;
            ex_lp_end = pc_q + {26'b0, instr[19:15], 1'b0};
          end
          default: ex_illegal = 1'b1;
        endcase
        if (instr[11:8] != 4'b0) ex_illegal = 1'b1;
      end
      OpcSystem: begin
        if (funct3 == 3'b000) begin
          unique case (instr)
            32'h0000_0073: begin ex_trap = 1'b1; ex_cause = CauseEcallM; end
            32'h0010_0073: begin ex_trap = 1'b1; ex_cause = CauseBreakpoint; ex_tval = pc_q; end
            32'h3020_0073: begin ex_mret = 1'b1; ex_npc = mepc_q; jump = 1'b1; end
            32'h1050_0073: ;  // wfi: no interrupts, so a nop
            default: ex_illegal = 1'b1;
          endcase
        end else begin
          uses_rs1 = ~funct3[2];
          csr_src  = funct3[2] ? {27'b0, rs1} : op_a;
          ex_rd_we = 1'b1;
          ex_rd_val = csr_rval;
          unique case (funct3[1:0])
            2'b01: ex_csr_wval = csr_src;
            2'b10: ex_csr_wval = csr_rval | csr_src;
            2'b11: ex_csr_wval = csr_rval & ~csr_src;
            default: ex_illegal = 1'b1;
          endcase
          // csrrs/csrrc with rs1 = x0 (or uimm 0) only read.
          ex_csr_we = (funct3[1:0] == 2'b01) || (rs1 != 5'd0);
          if (!csr_ok) ex_illegal = 1'b1;
          if (ex_csr_we && (instr[31:30] == 2'b11)) ex_illegal = 1'b1;  // read-only CSR
        end
      end
      OpcMiscMem: ;  // fence, fence.i: a single in-order core with no caches
      default: ex_illegal = 1'b1;
    endcase

    // Memory access alignment and the request.
    if ((opcode == OpcLoad || opcode == OpcPostLoad || opcode == OpcStore ||
         opcode == OpcPostStore) && !ex_illegal) begin
      misaligned = (ex_size == 2'd1 && addr[0]) || (ex_size == 2'd2 && addr[1:0] != 2'b0);
      ex_byte = addr[1:0];
      if (misaligned) begin
        ex_trap  = 1'b1;
        ex_cause = ex_load ? CauseLoadMisaligned : CauseStoreMisaligned;
        ex_tval  = addr;
      end else begin
        ex_mem = 1'b1;
        data_we_o = ~ex_load;
        unique case (ex_size)
          2'd0: begin
            data_be_o = 4'b0001 << addr[1:0];
            data_wdata_o = {4{op_b[7:0]}};
          end
          2'd1: begin
            data_be_o = 4'b0011 << addr[1:0];
            data_wdata_o = {2{op_b[15:0]}};
          end
          default: begin
            data_be_o = 4'b1111;
            data_wdata_o = op_b;
          end
        endcase
      end
    end
    data_addr_o = {addr[31:2], 2'b00};

    if ((jump || taken) && ex_npc[1:0] != 2'b0 && !ex_illegal) begin
      ex_trap  = 1'b1;
      ex_cause = CauseInstrMisaligned;
      ex_tval  = ex_npc;
    end
    if (ex_illegal) begin
      ex_trap  = 1'b1;
      ex_cause = CauseIllegal;
      ex_tval  = instr;
    end
    if (ex_trap) begin
      ex_mem    = 1'b0;
      ex_rd_we  = 1'b0;
      ex_inc_we = 1'b0;
      ex_csr_we = 1'b0;
      ex_lp_we  = 1'b0;
      ex_mret   = 1'b0;
      ex_npc    = {mtvec_q[31:2], 2'b00};
      ex_bubble = 4'(TrapCycles - 1);
    end else if (jump) begin
      ex_bubble = 4'(JumpCycles - 1);
    end else if (taken) begin
      ex_bubble = 4'(BranchTakenCycles - 1);
    end else begin
      // Hardware loops: loop 0 (inner) first; the end address is the one
      // just after the last instruction of the body.
      if (seq_pc == lp_end_q[0] && lp_count_q[0] > 32'd1) ex_npc = lp_start_q[0];
      else if (seq_pc == lp_end_q[1] && lp_count_q[1] > 32'd1) ex_npc = lp_start_q[1];
    end

    // Internal stalls, in pipeline order.
    if (bubble_q != 4'd0) begin
      ex_stall = 1'b1; ex_stall_kind = 3'd0;
    end else if (LoadUseCycles != 0 && lu_rd_q != 5'd0 &&
                 ((uses_rs1 && rs1 == lu_rd_q) || (uses_rs2 && rs2 == lu_rd_q) ||
                  (uses_rd && rd == lu_rd_q))) begin
      ex_stall = 1'b1; ex_stall_kind = 3'd1;
    end else if (!ex_trap && mc_total > 6'd1 && !mc_busy_q) begin
      ex_stall = 1'b1; ex_stall_kind = 3'd2;
      ex_mc_start = 1'b1; ex_mc_cnt = mc_total - 6'd2;
    end else if (mc_busy_q && mc_cnt_q != 6'd0) begin
      ex_stall = 1'b1; ex_stall_kind = 3'd2;
    end
    if (ex_stall || halted_q || instr_err_i) ex_mem = 1'b0;
    data_req_o = ex_mem;
  end

  // ---------------------------------------------------------------------------
  // Commit: the only block that looks at the data grant.
  // ---------------------------------------------------------------------------
  logic        commit;       // the instruction retires (or traps) this cycle
  logic        trap_taken;
  logic        fatal_now;
  logic [31:0] load_val;
  logic [31:0] shifted;

  always_comb begin
    shifted = data_rdata_i >> {ex_byte, 3'b000};
    unique case (ex_size)
      2'd0:    load_val = ex_signed ? {{24{shifted[7]}}, shifted[7:0]} : {24'b0, shifted[7:0]};
      2'd1:    load_val = ex_signed ? {{16{shifted[15]}}, shifted[15:0]} : {16'b0, shifted[15:0]};
      default: load_val = data_rdata_i;
    endcase
  end

  always_comb begin
    pc_d         = pc_q;
    bubble_d     = (bubble_q != 4'd0) ? bubble_q - 4'd1 : 4'd0;
    lu_rd_d      = 5'd0;
    mc_busy_d    = mc_busy_q;
    mc_cnt_d     = mc_cnt_q;
    halted_d     = halted_q;
    fatal_d      = fatal_q;
    fatal_addr_d = fatal_addr_q;
    commit       = 1'b0;
    trap_taken   = 1'b0;
    fatal_now    = 1'b0;
    sleeping_o   = 1'b0;

    if (halted_q) begin
      // stopped for good
    end else if (instr_err_i && bubble_q == 4'd0) begin
      fatal_now = 1'b1; fatal_d = FatalFetch; fatal_addr_d = pc_q;
    end else if (ex_stall) begin
      if (ex_stall_kind == 3'd2) begin
        if (ex_mc_start) begin
          mc_busy_d = 1'b1; mc_cnt_d = ex_mc_cnt;
        end else begin
          mc_cnt_d = mc_cnt_q - 6'd1;
        end
      end
    end else if (ex_trap && mtvec_q == 32'd0) begin
      fatal_now = 1'b1;
      fatal_addr_d = ex_tval;
      unique case (ex_cause)
        CauseIllegal:    fatal_d = FatalIllegal;
        CauseEcallM:     fatal_d = FatalEcall;
        CauseBreakpoint: fatal_d = FatalEbreak;
        default:         fatal_d = FatalMisaligned;
      endcase
    end else if (ex_mem && data_err_i) begin
      fatal_now = 1'b1; fatal_d = FatalBus; fatal_addr_d = data_addr_o | {30'b0, ex_byte};
    end else if (ex_mem && !data_gnt_i) begin
      sleeping_o = (data_stall_i == StallSleep);
    end else begin
      commit     = 1'b1;
      trap_taken = ex_trap;
      pc_d       = ex_npc;
      bubble_d   = ex_bubble;
      mc_busy_d  = 1'b0;
      if (ex_load && ex_mem) lu_rd_d = rd;
    end
    if (fatal_now) halted_d = 1'b1;
  end

  // ---------------------------------------------------------------------------
  // Flops
  // ---------------------------------------------------------------------------
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pc_q         <= boot_addr_i;
      bubble_q     <= '0;
      lu_rd_q      <= '0;
      mc_busy_q    <= 1'b0;
      mc_cnt_q     <= '0;
      halted_q     <= 1'b0;
      fatal_q      <= FatalNone;
      fatal_addr_q <= '0;
    end else begin
      pc_q         <= pc_d;
      bubble_q     <= bubble_d;
      lu_rd_q      <= lu_rd_d;
      mc_busy_q    <= mc_busy_d;
      mc_cnt_q     <= mc_cnt_d;
      halted_q     <= halted_d;
      fatal_q      <= fatal_d;
      fatal_addr_q <= fatal_addr_d;
    end
  end

  // Register file: the post-increment write first, so a load into its own
  // base register keeps the loaded value.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int i = 0; i < 32; i++) rf_q[i] <= '0;
    end else if (commit && !trap_taken) begin
      if (ex_inc_we && rs1 != 5'd0) rf_q[rs1] <= ex_inc_val;
      if (ex_rd_we && rd != 5'd0) rf_q[rd] <= ex_load ? load_val : ex_rd_val;
    end
  end

  // CSRs, hardware loops and counters.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      mtvec_q    <= '0;
      mepc_q     <= '0;
      mcause_q   <= '0;
      mtval_q    <= '0;
      mscratch_q <= '0;
      mie_q      <= 1'b0;
      mpie_q     <= 1'b0;
      mcycle_q   <= '0;
      minstret_q <= '0;
      for (int l = 0; l < 2; l++) begin
        lp_start_q[l] <= '0;
        lp_end_q[l]   <= '0;
        lp_count_q[l] <= '0;
      end
    end else if (!halted_q) begin
      mcycle_q <= mcycle_q + 64'd1;
      if (commit && !trap_taken) minstret_q <= minstret_q + 64'd1;
      if (commit && trap_taken) begin
        mepc_q   <= pc_q;
        mcause_q <= ex_cause;
        mtval_q  <= ex_tval;
        mpie_q   <= mie_q;
        mie_q    <= 1'b0;
      end
      if (commit && ex_mret) begin
        mie_q  <= mpie_q;
        mpie_q <= 1'b1;
      end
      if (commit && !trap_taken && ex_csr_we) begin
        unique case (ex_csr_addr)
          12'h300: begin mie_q <= ex_csr_wval[3]; mpie_q <= ex_csr_wval[7]; end
          12'h305: mtvec_q    <= ex_csr_wval;
          12'h340: mscratch_q <= ex_csr_wval;
          12'h341: mepc_q     <= {ex_csr_wval[31:2], 2'b00};
          12'h342: mcause_q   <= ex_csr_wval;
          12'h343: mtval_q    <= ex_csr_wval;
          12'hB00: mcycle_q[31:0]    <= ex_csr_wval;
          12'hB80: mcycle_q[63:32]   <= ex_csr_wval;
          12'hB02: minstret_q[31:0]  <= ex_csr_wval;
          12'hB82: minstret_q[63:32] <= ex_csr_wval;
          12'h7B0: lp_start_q[0] <= ex_csr_wval;
          12'h7B1: lp_end_q[0]   <= ex_csr_wval;
          12'h7B2: lp_count_q[0] <= ex_csr_wval;
          12'h7B4: lp_start_q[1] <= ex_csr_wval;
          12'h7B5: lp_end_q[1]   <= ex_csr_wval;
          12'h7B6: lp_count_q[1] <= ex_csr_wval;
          default: ;
        endcase
      end
      if (commit && !trap_taken) begin
        if (ex_lp_we) begin
          if (ex_lp_mask[0]) lp_start_q[ex_lp_idx] <= ex_lp_start;
          if (ex_lp_mask[1]) lp_end_q[ex_lp_idx]   <= ex_lp_end;
          if (ex_lp_mask[2]) lp_count_q[ex_lp_idx] <= ex_lp_count;
        end else if (!ex_mret && ex_bubble == 4'd0) begin
          // Mirrors the next-pc choice: an expiring inner loop lets an outer
          // loop that ends at the same address count too.
          if (pc_q + 32'd4 == lp_end_q[0] && lp_count_q[0] > 32'd1) begin
            lp_count_q[0] <= lp_count_q[0] - 32'd1;
          end else begin
            if (pc_q + 32'd4 == lp_end_q[0] && lp_count_q[0] == 32'd1) lp_count_q[0] <= '0;
            if (pc_q + 32'd4 == lp_end_q[1] && lp_count_q[1] != 32'd0)
              lp_count_q[1] <= lp_count_q[1] - 32'd1;
          end
        end
      end
    end
  end

  // Performance counters: every cycle is attributed to exactly one cause or
  // to a retired instruction.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int i = 0; i < int'(NumPerf); i++) perf_q[i] <= '0;
    end else if (perf_clear_i) begin
      for (int i = 0; i < int'(NumPerf); i++) perf_q[i] <= '0;
    end else if (!halted_q) begin
      perf_q[PerfCycles] <= perf_q[PerfCycles] + 32'd1;
      if (commit && !trap_taken) perf_q[PerfInstret] <= perf_q[PerfInstret] + 32'd1;
      if (ex_stall) begin
        unique case (ex_stall_kind)
          3'd0:    perf_q[PerfBranch]     <= perf_q[PerfBranch] + 32'd1;
          3'd1:    perf_q[PerfLoadUse]    <= perf_q[PerfLoadUse] + 32'd1;
          default: perf_q[PerfMulticycle] <= perf_q[PerfMulticycle] + 32'd1;
        endcase
      end else if (ex_mem && !data_gnt_i && !data_err_i) begin
        unique case (data_stall_i)
          StallTcdm:  perf_q[PerfTcdmStall] <= perf_q[PerfTcdmStall] + 32'd1;
          StallSleep: perf_q[PerfSleep]     <= perf_q[PerfSleep] + 32'd1;
          default:    perf_q[PerfL2Wait]    <= perf_q[PerfL2Wait] + 32'd1;
        endcase
      end
    end
  end

  // The cycle's cause, as the counters above attribute it.
  always_comb begin
    if (halted_q) activity_o = ActHalted;
    else if (ex_stall)
      activity_o = ex_stall_kind == 3'd0 ? ActBranch : ex_stall_kind == 3'd1 ? ActLoadUse : ActMulticycle;
    else if (ex_mem && !data_gnt_i && !data_err_i)
      activity_o = data_stall_i == StallTcdm ? ActTcdm : data_stall_i == StallSleep ? ActSleep : ActL2;
    else if (commit && !trap_taken) activity_o = ActRetire;
    else activity_o = ActTrap;
  end

  assign instr_addr_o = pc_q;
  assign retire_o     = commit;
  assign perf_o       = perf_q;
  assign halted_o     = halted_q;
  assign fatal_o      = fatal_q;
  assign pc_o         = pc_q;
  assign sp_o         = rf_q[2];
  assign fatal_addr_o = fatal_addr_q;

endmodule
