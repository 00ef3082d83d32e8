// XpulpV2 hardware loops: two nested levels (loop 0 is the inner one), each
// a start address, an end address (the instruction just after the body)
// and a remaining count. Decides the jump back at the end of a body (zero
// extra cycles) and counts iterations as the last body instruction retires.
module halyard_hwloop_regs import halyard_pkg::*; (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        halted_i,

  input  logic [31:0] pc_i,          // the instruction in execute
  output logic        jump_o,        // its successor is a loop start ...
  output logic [31:0] target_o,      // ... this one

  // lp.* instructions (they retire this cycle)
  input  logic        lp_we_i,
  input  logic        lp_idx_i,
  input  logic [2:0]  lp_mask_i,     // bit0 start, bit1 end, bit2 count
  input  logic [31:0] lp_start_i,
  input  logic [31:0] lp_end_i,
  input  logic [31:0] lp_count_i,

  // CSR writes (csrw 0x7B0..0x7B6)
  input  logic        csr_we_i,
  input  logic        csr_idx_i,
  input  logic [2:0]  csr_mask_i,
  input  logic [31:0] csr_wdata_i,

  // The instruction retires in sequence (no trap, jump, taken branch, mret or
  // lp.*): if it ends a body, the loop counts.
  input  logic        count_i,

  output logic [31:0] start_o [2],
  output logic [31:0] end_o   [2],
  output logic [31:0] count_o [2]
);

  logic [31:0] start_q [2];
  logic [31:0] end_q   [2];
  logic [31:0] count_q [2];
  logic [31:0] seq_pc;

  assign seq_pc = pc_i + 32'd4;

  // Loop 0 first: an inner loop that ends where the outer one does wins.
  always_comb begin
    jump_o   = 1'b0;
    target_o = start_q[0];
    if (seq_pc == end_q[0] && count_q[0] > 32'd1) begin
      jump_o = 1'b1; target_o = start_q[0];
    end else if (seq_pc == end_q[1] && count_q[1] > 32'd1) begin
      jump_o = 1'b1; target_o = start_q[1];
    end
  end

  // A CSR write and the count of the same instruction: the count is assigned
  // last and wins (lp.* and CSR writes never coincide).
  // Next state in one block and whole-array registers: Verilator then keeps
  // no per-element delayed-write flags (15 per core otherwise, set and
  // tested every cycle). Same order of writes as one always_ff would give:
  // CSR writes, then lp.* writes, else the loop-end decrement.
  logic [31:0] start_d [2];
  logic [31:0] end_d   [2];
  logic [31:0] count_d [2];

  always_comb begin
    start_d = start_q;
    end_d   = end_q;
    count_d = count_q;
    if (!halted_i) begin
      if (csr_we_i) begin
        if (csr_mask_i[0]) start_d[csr_idx_i] = csr_wdata_i;
        if (csr_mask_i[1]) end_d[csr_idx_i]   = csr_wdata_i;
        if (csr_mask_i[2]) count_d[csr_idx_i] = csr_wdata_i;
      end
      if (lp_we_i) begin
        if (lp_mask_i[0]) start_d[lp_idx_i] = lp_start_i;
        if (lp_mask_i[1]) end_d[lp_idx_i]   = lp_end_i;
        if (lp_mask_i[2]) count_d[lp_idx_i] = lp_count_i;
      end else if (count_i) begin
        if (seq_pc == end_q[0] && count_q[0] > 32'd1) begin
          count_d[0] = count_q[0] - 32'd1;
        end else begin
          if (seq_pc == end_q[0] && count_q[0] == 32'd1) count_d[0] = '0;
          if (seq_pc == end_q[1] && count_q[1] != 32'd0) count_d[1] = count_q[1] - 32'd1;
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int l = 0; l < 2; l++) begin
        start_q[l] <= '0;
        end_q[l]   <= '0;
        count_q[l] <= '0;
      end
    end else begin
      start_q <= start_d;
      end_q   <= end_d;
      count_q <= count_d;
    end
  end

  assign start_o = start_q;
  assign end_o   = end_q;
  assign count_o = count_q;

endmodule
