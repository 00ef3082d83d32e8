// Instruction decoder: RV32IM + the XpulpV2 subset (classic CV32E40P v1.0.0
// encodings, docs/cluster.md). Purely combinational, from the instruction
// word alone: which unit executes it, its operands, its register reads (for
// the load-use check) and writes, and whether it is illegal. CSR legality
// depends on the CSR file (halyard_cs_registers) and is added by the core.
module halyard_decoder import halyard_pkg::*; (
  input  logic [31:0] instr_i,

  output logic        illegal_o,
  output logic [4:0]  rs1_o,
  output logic [4:0]  rs2_o,
  output logic [4:0]  rd_o,
  output logic        rs1_used_o,    // the instruction reads rs1 / rs2 / rd (rs3 or accumulator)
  output logic        rs2_used_o,
  output logic        rd_used_o,
  output logic        rd_we_o,       // writes rd (x0 is never written)
  output wb_sel_e     wb_sel_o,
  output logic [31:0] imm_o,         // the format's immediate

  // ALU
  output alu_op_e     alu_op_o,
  output op_a_sel_e   alu_a_sel_o,
  output logic        alu_b_imm_o,   // second operand: imm_o instead of rs2

  // Multiplier/divider and dot products
  output logic        md_en_o,
  output md_op_e      md_op_o,
  output logic        dot_bytes_o,   // pv.dot*.b (else .h)
  output logic        dot_scalar_o,  // .sc: rs2's low element replicated
  output logic        dot_signed_a_o,
  output logic        dot_signed_b_o,
  output logic        dot_acc_o,     // pv.sdot*: accumulate into rd

  // Control flow
  output logic        branch_o,      // conditional branch (taken: alu compare)
  output logic        jal_o,
  output logic        jalr_o,

  // Load-store unit
  output logic        lsu_en_o,
  output logic        lsu_we_o,
  output logic [1:0]  lsu_size_o,    // 0 byte, 1 half, 2 word
  output logic        lsu_signed_o,
  output logic        lsu_post_o,    // post-increment: address rs1, rs1 += increment
  output logic        lsu_offset_rs2_o, // register-register load: address rs1 + rs2 (else rs1 + imm_o)
  output lsu_inc_e    lsu_inc_sel_o,

  // CSRs and system
  output logic        csr_access_o,
  output csr_op_e     csr_op_o,
  output logic        csr_write_o,   // csrrs/csrrc with rs1 = x0 (uimm 0) only read
  output logic        csr_uimm_o,    // the source is the 5-bit uimm in rs1
  output logic        ecall_o,
  output logic        ebreak_o,
  output logic        mret_o,

  // Hardware loops (lp.*)
  output logic        hwlp_we_o,
  output logic        hwlp_idx_o,
  output logic [2:0]  hwlp_mask_o,     // bit0 start, bit1 end, bit2 count
  output logic        hwlp_start_next_o, // start = pc + 4 (setup/setupi), else pc + uimm*2
  output logic        hwlp_end_short_o,  // end = pc + uimmS*2 (setupi), else pc + uimm*2
  output logic        hwlp_cnt_reg_o     // count = rs1 (count/setup), else uimm
);

  logic [6:0] opcode;
  logic [2:0] funct3;
  logic [6:0] funct7;
  logic [31:0] imm_i, imm_s, imm_b, imm_u, imm_j;

  assign opcode = instr_i[6:0];
  assign funct3 = instr_i[14:12];
  assign funct7 = instr_i[31:25];

  // The loads with a register operand (p.lX rd, rs2(rs1) and rs2(rs1!)) give
  // their size and sign in funct7: {illegal, signed, size}.
  function automatic logic [3:0] reg_load_kind(logic [6:0] f7);
    unique case (f7)
      7'b0000000: return {1'b0, 1'b1, 2'd0};  // p.lb
      7'b0001000: return {1'b0, 1'b1, 2'd1};  // p.lh
      7'b0010000: return {1'b0, 1'b0, 2'd2};  // p.lw
      7'b0100000: return {1'b0, 1'b0, 2'd0};  // p.lbu
      7'b0101000: return {1'b0, 1'b0, 2'd1};  // p.lhu
      default:    return {1'b1, 1'b0, 2'd0};
    endcase
  endfunction
  assign rd_o   = instr_i[11:7];
  assign rs1_o  = instr_i[19:15];
  assign rs2_o  = instr_i[24:20];

  assign imm_i = {{20{instr_i[31]}}, instr_i[31:20]};
  assign imm_s = {{20{instr_i[31]}}, instr_i[31:25], instr_i[11:7]};
  assign imm_b = {{19{instr_i[31]}}, instr_i[31], instr_i[7], instr_i[30:25], instr_i[11:8], 1'b0};
  assign imm_u = {instr_i[31:12], 12'b0};
  assign imm_j = {{11{instr_i[31]}}, instr_i[31], instr_i[19:12], instr_i[20], instr_i[30:21], 1'b0};

  always_comb begin
    illegal_o      = 1'b0;
    rs1_used_o     = 1'b0;
    rs2_used_o     = 1'b0;
    rd_used_o      = 1'b0;
    rd_we_o        = 1'b0;
    wb_sel_o       = WbAlu;
    imm_o          = imm_i;
    alu_op_o       = AluAdd;
    alu_a_sel_o    = OpARegA;
    alu_b_imm_o    = 1'b0;
    md_en_o        = 1'b0;
    md_op_o        = MdMul;
    dot_bytes_o    = instr_i[12];
    dot_scalar_o   = funct3[2];
    dot_signed_a_o = 1'b0;
    dot_signed_b_o = 1'b0;
    dot_acc_o      = instr_i[29];
    branch_o       = 1'b0;
    jal_o          = 1'b0;
    jalr_o         = 1'b0;
    lsu_en_o       = 1'b0;
    lsu_we_o       = 1'b0;
    lsu_size_o     = 2'd2;
    lsu_signed_o   = 1'b0;
    lsu_post_o     = 1'b0;
    lsu_offset_rs2_o = 1'b0;
    lsu_inc_sel_o  = IncImm;
    csr_access_o   = 1'b0;
    csr_op_o       = csr_op_e'(funct3[1:0]);
    csr_write_o    = 1'b0;
    csr_uimm_o     = funct3[2];
    ecall_o        = 1'b0;
    ebreak_o       = 1'b0;
    mret_o         = 1'b0;
    hwlp_we_o      = 1'b0;
    hwlp_idx_o     = instr_i[7];
    hwlp_mask_o    = 3'b0;
    hwlp_start_next_o = 1'b0;
    hwlp_end_short_o  = 1'b0;
    hwlp_cnt_reg_o    = 1'b0;

    unique case (opcode)
      OpcLui: begin
        rd_we_o = 1'b1; imm_o = imm_u;
        alu_a_sel_o = OpAZero; alu_b_imm_o = 1'b1;
      end
      OpcAuipc: begin
        rd_we_o = 1'b1; imm_o = imm_u;
        alu_a_sel_o = OpAPc; alu_b_imm_o = 1'b1;
      end
      OpcJal: begin
        rd_we_o = 1'b1; wb_sel_o = WbLink; imm_o = imm_j;
        jal_o = 1'b1;
      end
      OpcJalr: begin
        rs1_used_o = 1'b1;
        rd_we_o = 1'b1; wb_sel_o = WbLink;
        jalr_o = 1'b1;
        illegal_o = (funct3 != 3'b000);
      end
      OpcBranch: begin
        rs1_used_o = 1'b1; rs2_used_o = 1'b1;
        branch_o = 1'b1; imm_o = imm_b;
        unique case (funct3)
          3'b000: alu_op_o = AluEq;
          3'b001: alu_op_o = AluNe;
          3'b100: alu_op_o = AluLt;
          3'b101: alu_op_o = AluGe;
          3'b110: alu_op_o = AluLtu;
          3'b111: alu_op_o = AluGeu;
          default: begin alu_op_o = AluNe; illegal_o = 1'b1; end
        endcase
      end
      OpcLoad, OpcPostLoad: begin
        rs1_used_o = 1'b1;
        lsu_en_o = 1'b1;
        rd_we_o = 1'b1; wb_sel_o = WbLoad;
        if (opcode == OpcLoad && funct3 != 3'b111) begin
          lsu_size_o = funct3[1:0]; lsu_signed_o = ~funct3[2];
          illegal_o = (funct3 == 3'b011) || (funct3 == 3'b110);
        end else if (opcode == OpcLoad) begin
          // p.lX rd, rs2(rs1): address rs1 + rs2, no write-back; size and sign from funct7
          rs2_used_o = 1'b1;
          lsu_offset_rs2_o = 1'b1;
          {illegal_o, lsu_signed_o, lsu_size_o} = reg_load_kind(funct7);
        end else if (funct3 != 3'b111) begin
          // p.lX rd, imm(rs1!)
          lsu_size_o = funct3[1:0]; lsu_signed_o = ~funct3[2];
          lsu_post_o = 1'b1;
          illegal_o = (funct3 == 3'b011) || (funct3 == 3'b110);
        end else begin
          // p.lX rd, rs2(rs1!): size and sign from funct7
          rs2_used_o = 1'b1;
          lsu_post_o = 1'b1; lsu_inc_sel_o = IncRs2;
          {illegal_o, lsu_signed_o, lsu_size_o} = reg_load_kind(funct7);
        end
      end
      OpcStore, OpcPostStore: begin
        rs1_used_o = 1'b1; rs2_used_o = 1'b1;
        lsu_en_o = 1'b1; lsu_we_o = 1'b1;
        lsu_size_o = funct3[1:0];
        imm_o = imm_s;
        if (opcode == OpcStore) begin
          illegal_o = (funct3[2] || funct3[1:0] == 2'b11);
        end else if (!funct3[2]) begin
          lsu_post_o = 1'b1;
          illegal_o = (funct3[1:0] == 2'b11);
        end else begin
          // p.sX rs2, rs3(rs1!): rs3 in the rd field
          rd_used_o = 1'b1;
          lsu_post_o = 1'b1; lsu_inc_sel_o = IncRd;
          illegal_o = (funct3[1:0] == 2'b11) || (funct7 != 7'b0);
        end
      end
      OpcOpImm: begin
        rs1_used_o = 1'b1;
        rd_we_o = 1'b1; alu_b_imm_o = 1'b1;
        unique case (funct3)
          3'b000: alu_op_o = AluAdd;
          3'b010: alu_op_o = AluLt;
          3'b011: alu_op_o = AluLtu;
          3'b100: alu_op_o = AluXor;
          3'b110: alu_op_o = AluOr;
          3'b111: alu_op_o = AluAnd;
          3'b001: begin
            alu_op_o = AluSll;
            illegal_o = (funct7 != 7'b0);
          end
          default: begin  // 3'b101
            alu_op_o = (funct7 == 7'b0100000) ? AluSra : AluSrl;
            illegal_o = (funct7 != 7'b0) && (funct7 != 7'b0100000);
          end
        endcase
      end
      OpcOp: begin
        rs1_used_o = 1'b1; rs2_used_o = 1'b1;
        rd_we_o = 1'b1;
        unique case (funct7)
          7'b0000000: begin
            unique case (funct3)
              3'b000: alu_op_o = AluAdd;
              3'b001: alu_op_o = AluSll;
              3'b010: alu_op_o = AluLt;
              3'b011: alu_op_o = AluLtu;
              3'b100: alu_op_o = AluXor;
              3'b101: alu_op_o = AluSrl;
              3'b110: alu_op_o = AluOr;
              default: alu_op_o = AluAnd;
            endcase
          end
          7'b0100000: begin
            unique case (funct3)
              3'b000: alu_op_o = AluSub;
              3'b101: alu_op_o = AluSra;
              default: illegal_o = 1'b1;
            endcase
          end
          7'b0000001: begin
            md_en_o = 1'b1; wb_sel_o = WbMultDiv;
            unique case (funct3)
              3'b000: md_op_o = MdMul;
              3'b001: md_op_o = MdMulh;
              3'b010: md_op_o = MdMulhsu;
              3'b011: md_op_o = MdMulhu;
              3'b100: md_op_o = MdDiv;
              3'b101: md_op_o = MdDivu;
              3'b110: md_op_o = MdRem;
              default: md_op_o = MdRemu;
            endcase
          end
          7'b0000010: begin
            // p.abs, p.slet, p.sletu, p.min, p.minu, p.max, p.maxu
            unique case (funct3)
              3'b000: alu_op_o = AluAbs;
              3'b010: alu_op_o = AluLe;
              3'b011: alu_op_o = AluLeu;
              3'b100: alu_op_o = AluMin;
              3'b101: alu_op_o = AluMinu;
              3'b110: alu_op_o = AluMax;
              3'b111: alu_op_o = AluMaxu;
              default: illegal_o = 1'b1;
            endcase
          end
          7'b0001010: begin
            // p.clip/p.clipu rd, rs1, Is2 (bound from the rs2 field);
            // p.clipr/p.clipur take the upper bound from rs2.
            unique case (funct3)
              3'b001: begin alu_op_o = AluClip;  rs2_used_o = 1'b0; end
              3'b010: begin alu_op_o = AluClipu; rs2_used_o = 1'b0; end
              3'b101: alu_op_o = AluClipr;
              3'b110: alu_op_o = AluClipur;
              default: illegal_o = 1'b1;
            endcase
          end
          7'b0100001: begin
            // p.mac rd += rs1*rs2 / p.msu rd -= rs1*rs2
            rd_used_o = 1'b1;
            md_en_o = 1'b1; wb_sel_o = WbMultDiv;
            unique case (funct3)
              3'b000: md_op_o = MdMac;
              3'b001: md_op_o = MdMsu;
              default: illegal_o = 1'b1;
            endcase
          end
          default: illegal_o = 1'b1;
        endcase
      end
      OpcSimd: begin
        // pv.{dot,sdot}{up,usp,sp}.{h,b}; funct3 000 .h, 001 .b, 100 .sc.h, 101 .sc.b
        rs1_used_o = 1'b1; rs2_used_o = 1'b1;
        rd_we_o = 1'b1;
        md_en_o = 1'b1; md_op_o = MdDot; wb_sel_o = WbMultDiv;
        // funct6 = instr[31:26]: 1 0 s t t 0 with s = accumulate (sdot) and
        // tt = 00 unsigned, 01 unsigned x signed, 11 signed; instr[25] = 0.
        unique case ({instr_i[31:30], instr_i[28:25]})
          6'b10_0000: begin dot_signed_a_o = 1'b0; dot_signed_b_o = 1'b0; end  // dotup
          6'b10_0100: begin dot_signed_a_o = 1'b0; dot_signed_b_o = 1'b1; end  // dotusp
          6'b10_1100: begin dot_signed_a_o = 1'b1; dot_signed_b_o = 1'b1; end  // dotsp
          default: illegal_o = 1'b1;
        endcase
        if (funct3[1]) illegal_o = 1'b1;
        rd_used_o = instr_i[29];  // sdot*: accumulate into rd
      end
      OpcHwloop: begin
        hwlp_we_o = 1'b1;
        imm_o = {20'b0, instr_i[31:20]};
        unique case (funct3)
          3'b000: hwlp_mask_o = 3'b001;  // lp.starti L, uimm
          3'b001: hwlp_mask_o = 3'b010;  // lp.endi L, uimm
          3'b010: begin                  // lp.count L, rs1
            rs1_used_o = 1'b1;
            hwlp_mask_o = 3'b100; hwlp_cnt_reg_o = 1'b1;
          end
          3'b011: hwlp_mask_o = 3'b100;  // lp.counti L, uimm
          3'b100: begin                  // lp.setup L, rs1, uimm(end)
            rs1_used_o = 1'b1;
            hwlp_mask_o = 3'b111; hwlp_start_next_o = 1'b1; hwlp_cnt_reg_o = 1'b1;
          end
          3'b101: begin                  // lp.setupi L, uimm(count), uimmS(end)
            hwlp_mask_o = 3'b111; hwlp_start_next_o = 1'b1; hwlp_end_short_o = 1'b1;
          end
          default: illegal_o = 1'b1;
        endcase
        if (instr_i[11:8] != 4'b0) illegal_o = 1'b1;
      end
      OpcSystem: begin
        if (funct3 == 3'b000) begin
          unique case (instr_i)
            32'h0000_0073: ecall_o  = 1'b1;
            32'h0010_0073: ebreak_o = 1'b1;
            32'h3020_0073: mret_o   = 1'b1;
            32'h1050_0073: ;  // wfi: no interrupts, so a nop
            default: illegal_o = 1'b1;
          endcase
        end else begin
          rs1_used_o = ~funct3[2];
          csr_access_o = 1'b1;
          rd_we_o = 1'b1; wb_sel_o = WbCsr;
          if (funct3[1:0] == 2'b00) illegal_o = 1'b1;
          csr_write_o = (funct3[1:0] == 2'b01) || (rs1_o != 5'd0);
        end
      end
      OpcMiscMem: ;  // fence, fence.i: a single in-order core with no caches
      default: illegal_o = 1'b1;
    endcase
  end

endmodule
