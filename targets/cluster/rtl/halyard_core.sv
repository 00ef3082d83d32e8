// One RV32IM + XpulpV2-subset core: the register file, the controller and
// the units it wires (halyard_decoder, halyard_alu, halyard_mult_div,
// halyard_load_store_unit, halyard_cs_registers, halyard_hwloop_regs,
// halyard_perf_counters).
//
// Timing model: the datapath is single-cycle (an instruction is decoded,
// executed and written back in the cycle it retires) and the pipeline of a
// CV32E40P is reproduced by stall counters, so the cycle count equals that of
// the 4-stage pipeline for the cases the model covers:
//   - taken branch: BranchTakenCycles (3) cycles, jal/jalr/mret: JumpCycles (2),
//     trap entry: TrapCycles (3): the extra cycles are bubbles after the
//     instruction retires (bubble_q);
//   - load: 1 cycle when granted, plus LoadUseCycles (1) when the next
//     instruction reads the loaded register (load_rd_q);
//   - mul: 1 cycle; mulh*: MulhCycles (5); div/rem: DivMinCycles (3) plus one
//     per quotient bit, at most 35 (halyard_mult_div's counter);
//   - hardware-loop jump back: 0 extra cycles;
//   - misaligned load/store crossing a word: two accesses (halyard_load_store_unit),
//     the first one's cycle counted as a multicycle stall;
//   - memory: the cluster grants an access in the same cycle (TCDM hit, no
//     conflict) or later (bank conflict, L2 latency, event-unit sleep); the
//     core re-presents the request until data_gnt_i and counts the reason.
// The decode/execute logic never reads data_gnt_i, so the request does not
// depend on the grant and the cluster's arbiters sit between the two blocks.
module halyard_core import halyard_pkg::*; #(
  parameter int unsigned BranchTakenCycles = 3,
  parameter int unsigned JumpCycles        = 2,
  parameter int unsigned TrapCycles        = 3,
  parameter int unsigned MulhCycles        = 5,
  parameter int unsigned LoadUseCycles     = 1,
  parameter int unsigned DivMinCycles      = 3,
  parameter int unsigned NumPerf           = PerfKinds
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
  output logic        data_split_o,  // first part of a split misaligned access (second at +4)
  input  logic        data_gnt_i,    // the access completes this cycle
  input  logic [31:0] data_rdata_i,  // valid with data_gnt_i for loads
  input  stall_e      data_stall_i,  // reason when !data_gnt_i
  input  logic        data_err_i,    // the address maps nowhere (split: not both words in one memory)

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
  // State of the controller and the register file
  // ---------------------------------------------------------------------------
  logic [31:0] pc_q, pc_d;
  logic [31:0] rf_q [32];
  logic [3:0]  bubble_q, bubble_d;       // cycles left of a branch/jump/trap bubble
  logic [4:0]  load_rd_q, load_rd_d;     // rd of the load that retired last cycle
  logic        halted_q, halted_d;
  fatal_e      fatal_q, fatal_d;
  logic [31:0] fatal_addr_q, fatal_addr_d;

  // ---------------------------------------------------------------------------
  // Decode
  // ---------------------------------------------------------------------------
  logic [31:0] instr;
  logic        dec_illegal;
  logic [4:0]  rs1, rs2, rd;
  logic        rs1_used, rs2_used, rd_used, rd_we;
  wb_sel_e     wb_sel;
  logic [31:0] imm;
  alu_op_e     alu_op;
  op_a_sel_e   alu_a_sel;
  logic        alu_b_imm;
  logic        md_en;
  md_op_e      md_op;
  logic        dot_bytes, dot_scalar, dot_signed_a, dot_signed_b, dot_acc;
  logic        branch, jal, jalr;
  logic        lsu_en, lsu_we, lsu_signed, lsu_post;
  logic [1:0]  lsu_size;
  lsu_inc_e    lsu_inc_sel;
  logic        lsu_offset_rs2;
  logic        csr_access, csr_write, csr_uimm;
  csr_op_e     csr_op;
  logic        ecall, ebreak, mret;
  logic        hwlp_we, hwlp_idx, hwlp_start_next, hwlp_end_short, hwlp_cnt_reg;
  logic [2:0]  hwlp_mask;

  assign instr = instr_rdata_i;

  halyard_decoder u_decoder (
    .instr_i           (instr),
    .illegal_o         (dec_illegal),
    .rs1_o             (rs1),
    .rs2_o             (rs2),
    .rd_o              (rd),
    .rs1_used_o        (rs1_used),
    .rs2_used_o        (rs2_used),
    .rd_used_o         (rd_used),
    .rd_we_o           (rd_we),
    .wb_sel_o          (wb_sel),
    .imm_o             (imm),
    .alu_op_o          (alu_op),
    .alu_a_sel_o       (alu_a_sel),
    .alu_b_imm_o       (alu_b_imm),
    .md_en_o           (md_en),
    .md_op_o           (md_op),
    .dot_bytes_o       (dot_bytes),
    .dot_scalar_o      (dot_scalar),
    .dot_signed_a_o    (dot_signed_a),
    .dot_signed_b_o    (dot_signed_b),
    .dot_acc_o         (dot_acc),
    .branch_o          (branch),
    .jal_o             (jal),
    .jalr_o            (jalr),
    .lsu_en_o          (lsu_en),
    .lsu_we_o          (lsu_we),
    .lsu_size_o        (lsu_size),
    .lsu_signed_o      (lsu_signed),
    .lsu_post_o        (lsu_post),
    .lsu_inc_sel_o     (lsu_inc_sel),
    .lsu_offset_rs2_o  (lsu_offset_rs2),
    .csr_access_o      (csr_access),
    .csr_op_o          (csr_op),
    .csr_write_o       (csr_write),
    .csr_uimm_o        (csr_uimm),
    .ecall_o           (ecall),
    .ebreak_o          (ebreak),
    .mret_o            (mret),
    .hwlp_we_o         (hwlp_we),
    .hwlp_idx_o        (hwlp_idx),
    .hwlp_mask_o       (hwlp_mask),
    .hwlp_start_next_o (hwlp_start_next),
    .hwlp_end_short_o  (hwlp_end_short),
    .hwlp_cnt_reg_o    (hwlp_cnt_reg)
  );

  // Controller outputs (below).
  logic        ex_illegal, ex_trap, ex_mem, ex_rd_we, ex_inc_we, ex_csr_we;
  logic        ex_lp_we, ex_mret, ex_stall, ex_mc_start;
  ex_stall_e   ex_stall_kind;
  logic [31:0] ex_npc, ex_rd_val;
  logic [3:0]  ex_bubble;
  logic        taken, jump;
  logic [5:0]  mc_total;
  logic        trap_taken, commit;
  logic [31:0] ex_cause, ex_tval;

  // Register operands: rs1, rs2 and rd (the accumulator / rs3 of XpulpV2).
  logic [31:0] op_a, op_b, op_c, seq_pc;
  assign op_a   = rf_q[rs1];
  assign op_b   = rf_q[rs2];
  assign op_c   = rf_q[rd];
  assign seq_pc = pc_q + 32'd4;

  // ---------------------------------------------------------------------------
  // Execute units
  // ---------------------------------------------------------------------------
  logic [31:0] alu_a, alu_result;
  logic        alu_cmp;

  always_comb begin
    unique case (alu_a_sel)
      OpAPc:   alu_a = pc_q;
      OpAZero: alu_a = '0;
      default: alu_a = op_a;
    endcase
  end

  halyard_alu u_alu (
    .operator_i  (alu_op),
    .operand_a_i (alu_a),
    .operand_b_i (alu_b_imm ? imm : op_b),
    .clip_bits_i (rs2),
    .result_o    (alu_result),
    .cmp_o       (alu_cmp)
  );

  logic [31:0] md_result;
  logic [5:0]  md_cycles, md_count;
  logic        md_busy, md_start, md_step, md_done;

  halyard_mult_div #(
    .MulhCycles   (MulhCycles),
    .DivMinCycles (DivMinCycles)
  ) u_mult_div (
    .clk_i,
    .rst_ni,
    .operator_i     (md_op),
    .operand_a_i    (op_a),
    .operand_b_i    (op_b),
    .operand_c_i    (op_c),
    .dot_bytes_i    (dot_bytes),
    .dot_scalar_i   (dot_scalar),
    .dot_signed_a_i (dot_signed_a),
    .dot_signed_b_i (dot_signed_b),
    .dot_acc_i      (dot_acc),
    .result_o       (md_result),
    .cycles_o       (md_cycles),
    .start_i        (md_start),
    .step_i         (md_step),
    .done_i         (md_done),
    .busy_o         (md_busy),
    .count_o        (md_count)
  );

  logic        lsu_split_first, lsu_first_done;
  logic [31:0] lsu_addr, lsu_base_next, lsu_inc, load_value;

  always_comb begin
    unique case (lsu_inc_sel)
      IncRs2:  lsu_inc = op_b;
      IncRd:   lsu_inc = op_c;
      default: lsu_inc = imm;
    endcase
  end

  halyard_load_store_unit u_lsu (
    .clk_i,
    .rst_ni,
    .en_i          (lsu_en),
    .illegal_i     (dec_illegal),
    .we_i          (lsu_we),
    .size_i        (lsu_size),
    .signed_i      (lsu_signed),
    .post_i        (lsu_post),
    .base_i        (op_a),
    .offset_i      (lsu_offset_rs2 ? op_b : imm),
    .inc_i         (lsu_inc),
    .wdata_i       (op_b),
    .addr_o        (lsu_addr),
    .base_next_o   (lsu_base_next),
    .split_first_o (lsu_split_first),
    .first_done_i  (lsu_first_done),
    .done_i        (commit),
    .data_addr_o   (data_addr_o),
    .data_be_o     (data_be_o),
    .data_wdata_o  (data_wdata_o),
    .data_split_o  (data_split_o),
    .data_rdata_i  (data_rdata_i),
    .load_value_o  (load_value)
  );

  logic [31:0] csr_rdata, mtvec, mepc;
  logic        csr_illegal, csr_commit;
  logic        lp_csr_we, lp_csr_idx;
  logic [2:0]  lp_csr_mask;
  logic [31:0] lp_csr_wdata;
  logic [31:0] lp_start [2];
  logic [31:0] lp_end   [2];
  logic [31:0] lp_count [2];
  halyard_cs_registers u_cs_registers (
    .clk_i,
    .rst_ni,
    .hart_id_i,
    .halted_i       (halted_q),
    .csr_addr_i     (instr[31:20]),
    .csr_op_i       (csr_op),
    .csr_src_i      (csr_uimm ? {27'b0, rs1} : op_a),
    .csr_write_i    (csr_write),
    .csr_rdata_o    (csr_rdata),
    .csr_illegal_o  (csr_illegal),
    .csr_commit_i   (csr_commit),
    .lp_start_i     (lp_start),
    .lp_end_i       (lp_end),
    .lp_count_i     (lp_count),
    .lp_csr_we_o    (lp_csr_we),
    .lp_csr_idx_o   (lp_csr_idx),
    .lp_csr_mask_o  (lp_csr_mask),
    .lp_csr_wdata_o (lp_csr_wdata),
    .trap_i         (commit && trap_taken),
    .trap_pc_i      (pc_q),
    .trap_cause_i   (ex_cause),
    .trap_tval_i    (ex_tval),
    .mret_i         (commit && ex_mret),
    .instret_i      (commit && !trap_taken),
    .mtvec_o        (mtvec),
    .mepc_o         (mepc)
  );

  logic        hwlp_jump;
  logic [31:0] hwlp_target, hwlp_uimm;
  logic        hwlp_commit, hwlp_count;

  assign hwlp_uimm = pc_q + {imm[30:0], 1'b0};

  halyard_hwloop_regs u_hwloop_regs (
    .clk_i,
    .rst_ni,
    .halted_i    (halted_q),
    .pc_i        (pc_q),
    .jump_o      (hwlp_jump),
    .target_o    (hwlp_target),
    .lp_we_i     (hwlp_commit),
    .lp_idx_i    (hwlp_idx),
    .lp_mask_i   (hwlp_mask),
    .lp_start_i  (hwlp_start_next ? seq_pc : hwlp_uimm),
    .lp_end_i    (hwlp_end_short ? pc_q + {26'b0, rs1, 1'b0} : hwlp_uimm),
    .lp_count_i  (hwlp_cnt_reg ? op_a : imm),
    .csr_we_i    (lp_csr_we),
    .csr_idx_i   (lp_csr_idx),
    .csr_mask_i  (lp_csr_mask),
    .csr_wdata_i (lp_csr_wdata),
    .count_i     (hwlp_count),
    .start_o     (lp_start),
    .end_o       (lp_end),
    .count_o     (lp_count)
  );

  // ---------------------------------------------------------------------------
  // Controller: traps, next pc, internal stalls (does not depend on the grant)
  // ---------------------------------------------------------------------------

  always_comb begin
    unique case (wb_sel)
      WbMultDiv: ex_rd_val = md_result;
      WbLink:    ex_rd_val = seq_pc;
      WbCsr:     ex_rd_val = csr_rdata;
      WbLoad:    ex_rd_val = load_value;
      default:   ex_rd_val = alu_result;
    endcase
  end

  always_comb begin
    ex_illegal = dec_illegal || (csr_access && csr_illegal);
    ex_trap    = 1'b0;
    ex_cause   = '0;
    ex_tval    = '0;
    ex_rd_we   = rd_we;
    ex_inc_we  = lsu_post;
    ex_csr_we  = csr_access && csr_write;
    ex_lp_we   = hwlp_we;
    ex_mret    = mret;
    ex_mem     = lsu_en && !dec_illegal;
    taken      = branch && alu_cmp && !dec_illegal;
    jump       = jal || jalr || mret;
    mc_total   = md_en ? md_cycles : 6'd1;
    ex_npc     = seq_pc;
    if (jal || taken) ex_npc = pc_q + imm;
    if (jalr)         ex_npc = (op_a + imm) & ~32'd1;
    if (mret)         ex_npc = mepc;

    if (ecall) begin
      ex_trap = 1'b1; ex_cause = CauseEcallM;
    end
    if (ebreak) begin
      ex_trap = 1'b1; ex_cause = CauseBreakpoint; ex_tval = pc_q;
    end
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
      ex_npc    = {mtvec[31:2], 2'b00};
      ex_bubble = 4'(TrapCycles - 1);
    end else if (jump) begin
      ex_bubble = 4'(JumpCycles - 1);
    end else if (taken) begin
      ex_bubble = 4'(BranchTakenCycles - 1);
    end else begin
      ex_bubble = '0;
      if (hwlp_jump) ex_npc = hwlp_target;
    end

    // Internal stalls, in pipeline order.
    ex_stall      = 1'b0;
    ex_stall_kind = ExStallBubble;
    ex_mc_start   = 1'b0;
    if (bubble_q != 4'd0) begin
      ex_stall = 1'b1; ex_stall_kind = ExStallBubble;
    end else if (LoadUseCycles != 0 && load_rd_q != 5'd0 &&
                 ((rs1_used && rs1 == load_rd_q) || (rs2_used && rs2 == load_rd_q) ||
                  (rd_used && rd == load_rd_q))) begin
      ex_stall = 1'b1; ex_stall_kind = ExStallLoadUse;
    end else if (!ex_trap && mc_total > 6'd1 && !md_busy) begin
      ex_stall = 1'b1; ex_stall_kind = ExStallMulticycle;
      ex_mc_start = 1'b1;
    end else if (md_busy && md_count != 6'd0) begin
      ex_stall = 1'b1; ex_stall_kind = ExStallMulticycle;
    end
    if (ex_stall || halted_q || instr_err_i) ex_mem = 1'b0;
    data_req_o = ex_mem;
    data_we_o  = ex_mem && lsu_we;
  end

  // ---------------------------------------------------------------------------
  // Commit: the only logic that looks at the data grant.
  // ---------------------------------------------------------------------------
  logic fatal_now, fetch_fatal;

  assign fetch_fatal = instr_err_i && bubble_q == 4'd0;

  always_comb begin
    pc_d         = pc_q;
    bubble_d     = (bubble_q != 4'd0) ? bubble_q - 4'd1 : 4'd0;
    load_rd_d    = 5'd0;
    halted_d     = halted_q;
    fatal_d      = fatal_q;
    fatal_addr_d = fatal_addr_q;
    commit       = 1'b0;
    trap_taken   = 1'b0;
    fatal_now    = 1'b0;
    sleeping_o   = 1'b0;
    lsu_first_done = 1'b0;

    if (halted_q) begin
      // stopped for good
    end else if (fetch_fatal) begin
      fatal_now = 1'b1; fatal_d = FatalFetch; fatal_addr_d = pc_q;
    end else if (ex_stall) begin
      // held
    end else if (ex_trap && mtvec == 32'd0) begin
      fatal_now = 1'b1;
      fatal_addr_d = ex_tval;
      unique case (ex_cause)
        CauseIllegal:    fatal_d = FatalIllegal;
        CauseEcallM:     fatal_d = FatalEcall;
        CauseBreakpoint: fatal_d = FatalEbreak;
        default:         fatal_d = FatalMisaligned;
      endcase
    end else if (ex_mem && data_err_i) begin
      fatal_now = 1'b1; fatal_d = lsu_split_first ? FatalSplit : FatalBus; fatal_addr_d = lsu_addr;
    end else if (ex_mem && !data_gnt_i) begin
      sleeping_o = (data_stall_i == StallSleep);
    end else if (ex_mem && lsu_split_first) begin
      lsu_first_done = 1'b1;  // the second part follows next cycle
    end else begin
      commit     = 1'b1;
      trap_taken = ex_trap;
      pc_d       = ex_npc;
      bubble_d   = ex_bubble;
      if (lsu_en && ex_mem) load_rd_d = lsu_we ? 5'd0 : rd;
    end
    if (fatal_now) halted_d = 1'b1;
  end

  // The multi-cycle counter advances only in cycles the core is not stopped.
  assign md_start = !halted_q && !fetch_fatal && ex_stall && ex_mc_start;
  assign md_step  = !halted_q && !fetch_fatal && ex_stall && ex_stall_kind == ExStallMulticycle && !ex_mc_start;
  assign md_done  = commit;

  assign csr_commit  = commit && !trap_taken && ex_csr_we;
  assign hwlp_commit = commit && !trap_taken && ex_lp_we;
  assign hwlp_count  = commit && !trap_taken && !ex_lp_we && !ex_mret && ex_bubble == 4'd0;

  // ---------------------------------------------------------------------------
  // Flops
  // ---------------------------------------------------------------------------
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pc_q         <= boot_addr_i;
      bubble_q     <= '0;
      load_rd_q    <= '0;
      halted_q     <= 1'b0;
      fatal_q      <= FatalNone;
      fatal_addr_q <= '0;
    end else begin
      pc_q         <= pc_d;
      bubble_q     <= bubble_d;
      load_rd_q    <= load_rd_d;
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
      if (ex_inc_we && rs1 != 5'd0) rf_q[rs1] <= lsu_base_next;
      if (ex_rd_we && rd != 5'd0) rf_q[rd] <= ex_rd_val;
    end
  end

  halyard_perf_counters #(
    .NumPerf (NumPerf)
  ) u_perf_counters (
    .clk_i,
    .rst_ni,
    .clear_i         (perf_clear_i),
    .halted_i        (halted_q),
    .retire_i        (commit && !trap_taken),
    .ex_stall_i      (ex_stall),
    .ex_stall_kind_i (ex_stall_kind),
    .mem_wait_i      (ex_mem && !data_gnt_i && !data_err_i),
    .ex_extra_i      (lsu_first_done),
    .mem_stall_i     (data_stall_i),
    .perf_o,
    .activity_o
  );

  assign instr_addr_o = pc_q;
  assign retire_o     = commit;
  assign halted_o     = halted_q;
  assign fatal_o      = fatal_q;
  assign pc_o         = pc_q;
  assign sp_o         = rf_q[2];
  assign fatal_addr_o = fatal_addr_q;

endmodule
