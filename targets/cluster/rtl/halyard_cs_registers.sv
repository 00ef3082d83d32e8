// Control and status registers: machine mode only (mstatus MIE/MPIE, misa,
// mtvec, mepc, mcause, mtval, mscratch, mcycle(h), minstret(h) and their user
// aliases, mhartid; mie/mip read as 0) and the read port of the hardware-loop
// CSRs, whose registers live in halyard_hwloop_regs (writes go there).
module halyard_cs_registers import halyard_pkg::*; (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic [31:0] hart_id_i,
  input  logic        halted_i,      // counting stops

  // The CSR instruction in execute.
  input  logic [11:0] csr_addr_i,
  input  csr_op_e     csr_op_i,
  input  logic [31:0] csr_src_i,     // rs1 or uimm
  input  logic        csr_write_i,   // the instruction writes (decoder)
  output logic [31:0] csr_rdata_o,
  output logic        csr_illegal_o, // unknown CSR, or a write to a read-only one
  input  logic        csr_commit_i,  // it retires this cycle: write csr_wdata

  // Hardware-loop CSRs: read values, and the write decoded for halyard_hwloop_regs.
  input  logic [31:0] lp_start_i [2],
  input  logic [31:0] lp_end_i   [2],
  input  logic [31:0] lp_count_i [2],
  output logic        lp_csr_we_o,
  output logic        lp_csr_idx_o,
  output logic [2:0]  lp_csr_mask_o,   // bit0 start, bit1 end, bit2 count
  output logic [31:0] lp_csr_wdata_o,

  // Traps and mret (they retire this cycle).
  input  logic        trap_i,
  input  logic [31:0] trap_pc_i,
  input  logic [31:0] trap_cause_i,
  input  logic [31:0] trap_tval_i,
  input  logic        mret_i,
  input  logic        instret_i,     // an instruction retired (not trapped)

  output logic [31:0] mtvec_o,
  output logic [31:0] mepc_o
);

  logic [31:0] mtvec_q, mepc_q, mcause_q, mtval_q, mscratch_q;
  logic        mie_q, mpie_q;
  logic [63:0] mcycle_q, minstret_q;
  logic [31:0] csr_wdata;
  logic        csr_ok;

  always_comb begin
    csr_ok = 1'b1;
    unique case (csr_addr_i)
      CsrMhartid: csr_rdata_o = hart_id_i;
      CsrMvendorid, CsrMarchid, CsrMimpid: csr_rdata_o = '0;
      CsrMstatus: csr_rdata_o = {19'b0, 2'b11, 3'b0, mpie_q, 3'b0, mie_q, 3'b0};
      CsrMisa:    csr_rdata_o = 32'h4000_1100;  // RV32IM
      CsrMie, CsrMip: csr_rdata_o = '0;         // no interrupts
      CsrMtvec:    csr_rdata_o = mtvec_q;
      CsrMscratch: csr_rdata_o = mscratch_q;
      CsrMepc:     csr_rdata_o = mepc_q;
      CsrMcause:   csr_rdata_o = mcause_q;
      CsrMtval:    csr_rdata_o = mtval_q;
      CsrMcycle, CsrCycle:       csr_rdata_o = mcycle_q[31:0];
      CsrMcycleh, CsrCycleh:     csr_rdata_o = mcycle_q[63:32];
      CsrMinstret, CsrInstret:   csr_rdata_o = minstret_q[31:0];
      CsrMinstreth, CsrInstreth: csr_rdata_o = minstret_q[63:32];
      CsrLpStart0: csr_rdata_o = lp_start_i[0];
      CsrLpEnd0:   csr_rdata_o = lp_end_i[0];
      CsrLpCount0: csr_rdata_o = lp_count_i[0];
      CsrLpStart1: csr_rdata_o = lp_start_i[1];
      CsrLpEnd1:   csr_rdata_o = lp_end_i[1];
      CsrLpCount1: csr_rdata_o = lp_count_i[1];
      default: begin
        csr_rdata_o = '0;
        csr_ok      = 1'b0;
      end
    endcase
    // Addresses 0xC00-0xFFF are read-only.
    csr_illegal_o = !csr_ok || (csr_write_i && csr_addr_i[11:10] == 2'b11);

    unique case (csr_op_i)
      CsrOpSet:   csr_wdata = csr_rdata_o | csr_src_i;
      CsrOpClear: csr_wdata = csr_rdata_o & ~csr_src_i;
      default:    csr_wdata = csr_src_i;
    endcase
  end

  // Hardware-loop CSR writes: 0x7B0 + 4*loop + {0 start, 1 end, 2 count}.
  always_comb begin
    lp_csr_idx_o   = csr_addr_i[2];
    lp_csr_wdata_o = csr_wdata;
    unique case (csr_addr_i)
      CsrLpStart0, CsrLpStart1: lp_csr_mask_o = 3'b001;
      CsrLpEnd0,   CsrLpEnd1:   lp_csr_mask_o = 3'b010;
      CsrLpCount0, CsrLpCount1: lp_csr_mask_o = 3'b100;
      default:                  lp_csr_mask_o = 3'b000;
    endcase
    lp_csr_we_o = csr_commit_i && (lp_csr_mask_o != 3'b000);
  end

  // Statement order matters: a CSR write wins over the counters' increment
  // (for the half it writes) and over trap entry's mstatus update.
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
    end else if (!halted_i) begin
      mcycle_q <= mcycle_q + 64'd1;
      if (instret_i) minstret_q <= minstret_q + 64'd1;
      if (trap_i) begin
        mepc_q   <= trap_pc_i;
        mcause_q <= trap_cause_i;
        mtval_q  <= trap_tval_i;
        mpie_q   <= mie_q;
        mie_q    <= 1'b0;
      end
      if (mret_i) begin
        mie_q  <= mpie_q;
        mpie_q <= 1'b1;
      end
      if (csr_commit_i) begin
        unique case (csr_addr_i)
          CsrMstatus:   begin mie_q <= csr_wdata[3]; mpie_q <= csr_wdata[7]; end
          CsrMtvec:     mtvec_q    <= csr_wdata;
          CsrMscratch:  mscratch_q <= csr_wdata;
          CsrMepc:      mepc_q     <= {csr_wdata[31:2], 2'b00};
          CsrMcause:    mcause_q   <= csr_wdata;
          CsrMtval:     mtval_q    <= csr_wdata;
          CsrMcycle:    mcycle_q[31:0]    <= csr_wdata;
          CsrMcycleh:   mcycle_q[63:32]   <= csr_wdata;
          CsrMinstret:  minstret_q[31:0]  <= csr_wdata;
          CsrMinstreth: minstret_q[63:32] <= csr_wdata;
          default: ;
        endcase
      end
    end
  end

  assign mtvec_o = mtvec_q;
  assign mepc_o  = mepc_q;

endmodule
