// Event unit: per-core event buffer and mask, sleeping wait, core-to-core
// software events, DMA (and later NPU) events, and hardware barriers over any
// core subset. A core "sleeps" by having its WAIT read held without a grant
// until an event it waits for is pending.
//
// Registers (offset from eu.base, per-core view: the requester is the core):
//   0x00 MASK     rw  events that end a WAIT
//   0x04 BUFFER   r   pending events
//   0x08 CLEAR    w   clear the pending events written as 1
//   0x0C WAIT     r   sleep until BUFFER & MASK != 0; returns those bits and clears them
//   0x10 TRIGGER  w   raise the software event on every core whose bit is set
//   0x40 + 8*i    rw  barrier i: the core mask it spans
//   0x44 + 8*i    r   barrier i: arrive and sleep until every core of the mask arrived
module halyard_event_unit #(
  parameter int unsigned NumCores    = 8,
  parameter int unsigned NumBarriers = 2,
  parameter int unsigned EvtSw       = 0,
  parameter int unsigned EvtDma      = 1,
  parameter int unsigned EvtNpu      = 3,
  parameter int unsigned EvtBarrier  = 4
) (
  input  logic        clk_i,
  input  logic        rst_ni,

  input  logic        reg_req_i   [NumCores],
  input  logic        reg_we_i    [NumCores],
  input  logic [7:0]  reg_off_i   [NumCores],
  input  logic [31:0] reg_wdata_i [NumCores],
  output logic        reg_gnt_o   [NumCores],
  output logic [31:0] reg_rdata_o [NumCores],

  input  logic [NumCores-1:0] dma_evt_i,
  input  logic [NumCores-1:0] npu_evt_i,

  // Cores whose barrier arrival is held this cycle (for halyard-sim's timeline).
  output logic [NumCores-1:0] barrier_wait_o
);

  logic [7:0]          mask_q [NumCores];
  logic [7:0]          mask_d [NumCores];
  logic [7:0]          buf_q  [NumCores];
  logic [7:0]          buf_d  [NumCores];
  logic [NumCores-1:0] bar_mask_q    [NumBarriers];
  logic [NumCores-1:0] bar_mask_d    [NumBarriers];
  logic [NumCores-1:0] bar_arrived_q [NumBarriers];
  logic [NumCores-1:0] bar_arrived_d [NumBarriers];

  always_comb begin
    logic [NumCores-1:0] sw_set;
    logic [7:0]          pending;
    int unsigned         b;
    sw_set        = '0;
    barrier_wait_o = '0;
    mask_d        = mask_q;
    buf_d         = buf_q;
    bar_mask_d    = bar_mask_q;
    bar_arrived_d = bar_arrived_q;
    // Requests first (they clear events), then new events are set, so an
    // event raised in the cycle a WAIT returns is not lost.
    for (int c = 0; c < int'(NumCores); c++) begin
      reg_gnt_o[c]   = reg_req_i[c];
      reg_rdata_o[c] = '0;
      if (reg_req_i[c]) begin
        pending = buf_q[c] & mask_q[c];
        if (reg_off_i[c] >= 8'h40) begin
          b = 32'(reg_off_i[c][7:3]) - 32'd8;
          if (b < NumBarriers) begin
            if (!reg_off_i[c][2]) begin
              if (reg_we_i[c]) bar_mask_d[b] = reg_wdata_i[c][NumCores-1:0];
              reg_rdata_o[c] = 32'(bar_mask_q[b]);
            end else if (buf_q[c][EvtBarrier + b]) begin
              buf_d[c][EvtBarrier + b] = 1'b0;
            end else begin
              reg_gnt_o[c] = 1'b0;
              bar_arrived_d[b][c] = 1'b1;
              barrier_wait_o[c] = 1'b1;
            end
          end
        end else begin
          unique case (reg_off_i[c])
            8'h00: begin
              if (reg_we_i[c]) mask_d[c] = reg_wdata_i[c][7:0];
              reg_rdata_o[c] = {24'b0, mask_q[c]};
            end
            8'h04: reg_rdata_o[c] = {24'b0, buf_q[c]};
            8'h08: if (reg_we_i[c]) buf_d[c] = buf_d[c] & ~reg_wdata_i[c][7:0];
            8'h0C: begin
              if (pending != 8'b0) begin
                reg_rdata_o[c] = {24'b0, pending};
                buf_d[c] = buf_d[c] & ~pending;
              end else begin
                reg_gnt_o[c] = 1'b0;
              end
            end
            8'h10: if (reg_we_i[c]) sw_set = sw_set | reg_wdata_i[c][NumCores-1:0];
            default: ;
          endcase
        end
      end
    end
    for (int i = 0; i < int'(NumBarriers); i++) begin
      if (bar_mask_q[i] != '0 && (bar_arrived_d[i] & bar_mask_q[i]) == bar_mask_q[i]) begin
        for (int c = 0; c < int'(NumCores); c++) begin
          if (bar_mask_q[i][c]) buf_d[c][EvtBarrier + i] = 1'b1;
        end
        bar_arrived_d[i] = '0;
      end
    end
    for (int c = 0; c < int'(NumCores); c++) begin
      if (sw_set[c])    buf_d[c][EvtSw]  = 1'b1;
      if (dma_evt_i[c]) buf_d[c][EvtDma] = 1'b1;
      if (npu_evt_i[c]) buf_d[c][EvtNpu] = 1'b1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int c = 0; c < int'(NumCores); c++) begin
        mask_q[c] <= '0;
        buf_q[c]  <= '0;
      end
      for (int i = 0; i < int'(NumBarriers); i++) begin
        bar_mask_q[i]    <= '0;
        bar_arrived_q[i] <= '0;
      end
    end else begin
      mask_q        <= mask_d;
      buf_q         <= buf_d;
      bar_mask_q    <= bar_mask_d;
      bar_arrived_q <= bar_arrived_d;
    end
  end

endmodule
