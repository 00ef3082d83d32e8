// The NPU's resident weight memory (npu.weight_mem_*, docs/npu.md), after
// Siracusa's tightly coupled MRAM: weights live here for the whole run, so a
// job reads its B panels and bias/mul/add without any per-token DMA and
// without touching the TCDM.
//
// Two ports:
//  - the engine's wide read port: PortWords 32-bit words per cycle
//    (npu.weight_mem_port_bytes), answered in the cycle they are asked for,
//    never refused. The model lets the words lie anywhere (a banked macro
//    with no conflicts between the words of one panel line or two): an
//    idealisation, documented in docs/npu.md;
//  - a narrow core port on the cluster bus, as L2's: round-robin, one request
//    accepted per cycle, loads answered Latency cycles after acceptance (the
//    core stalls), stores posted (1 cycle), byte enables for bytes and
//    halfwords (the load-store unit splits misaligned accesses).
// The simulator loads ELF segments of the window (section .npu_weights)
// through the load port while in reset. The DMA does not reach it (not yet).
module halyard_npu_weight_mem #(
  parameter int unsigned NumCores  = 8,
  parameter int unsigned SizeBytes = 4194304,  // a power of two; 0: no memory (one dummy word)
  parameter int unsigned PortWords = 8,
  parameter int unsigned Latency   = 10
) (
  input  logic        clk_i,
  input  logic        rst_ni,

  // The engine's port: byte offsets into the memory, word aligned.
  input  logic [31:0] npu_addr_i  [PortWords],
  output logic [31:0] npu_rdata_o [PortWords],

  input  logic        core_req_i   [NumCores],
  input  logic        core_we_i    [NumCores],
  input  logic [3:0]  core_be_i    [NumCores],
  input  logic [31:0] core_addr_i  [NumCores],  // byte offset into the memory
  input  logic [31:0] core_wdata_i [NumCores],
  output logic        core_gnt_o   [NumCores],
  output logic [31:0] core_rdata_o [NumCores],

  input  logic        load_we_i,
  input  logic [31:0] load_addr_i,
  input  logic [31:0] load_data_i
);

  localparam int unsigned Words    = (SizeBytes >= 8) ? SizeBytes / 4 : 2;
  localparam int unsigned WordBits = $clog2(Words);

  logic [31:0] mem_q [Words];

  logic [NumCores-1:0] busy_q, busy_d;
  logic [5:0]          cnt_q   [NumCores];
  logic [5:0]          cnt_d   [NumCores];
  logic [31:0]         rdata_q [NumCores];
  logic [31:0]         rdata_d [NumCores];
  logic [NumCores-1:0] rr_mask_q, rr_mask_d, req, gnt;
  logic [WordBits-1:0] win_idx;
  logic                win_we;
  logic [3:0]          win_be;
  logic [31:0]         win_wdata;

  always_comb begin
    for (int i = 0; i < int'(PortWords); i++) npu_rdata_o[i] = mem_q[npu_addr_i[i][2 +: WordBits]];
  end

  // The core port (as halyard_l2's data port).
  always_comb begin
    logic [NumCores-1:0] m;
    for (int c = 0; c < int'(NumCores); c++) req[c] = core_req_i[c] && !busy_q[c];
    m = req & rr_mask_q;
    if (m == '0) m = req;
    gnt       = m & (~m + 1'b1);
    rr_mask_d = (gnt != '0) ? ~((gnt << 1) - 1'b1) : rr_mask_q;
    busy_d    = busy_q;
    win_idx   = '0;
    win_we    = 1'b0;
    win_be    = '0;
    win_wdata = '0;
    for (int c = 0; c < int'(NumCores); c++) begin
      cnt_d[c]        = cnt_q[c];
      rdata_d[c]      = rdata_q[c];
      core_gnt_o[c]   = 1'b0;
      core_rdata_o[c] = rdata_q[c];
      if (busy_q[c]) begin
        if (cnt_q[c] == 6'd0) begin
          core_gnt_o[c] = 1'b1;
          busy_d[c]     = 1'b0;
        end else begin
          cnt_d[c] = cnt_q[c] - 6'd1;
        end
      end else if (gnt[c]) begin
        win_idx   = core_addr_i[c][2 +: WordBits];
        win_we    = core_we_i[c];
        win_be    = core_be_i[c];
        win_wdata = core_wdata_i[c];
        if (core_we_i[c] || Latency <= 1) begin
          core_gnt_o[c]   = 1'b1;
          core_rdata_o[c] = mem_q[win_idx];
        end else begin
          busy_d[c]   = 1'b1;
          cnt_d[c]    = 6'(Latency - 2);
          rdata_d[c]  = mem_q[win_idx];
        end
      end
    end
  end

  function automatic logic [31:0] merge(input logic [31:0] old, input logic [31:0] wdata,
                                        input logic [3:0] be);
    return {be[3] ? wdata[31:24] : old[31:24], be[2] ? wdata[23:16] : old[23:16],
            be[1] ? wdata[15:8]  : old[15:8],  be[0] ? wdata[7:0]   : old[7:0]};
  endfunction

  always_ff @(posedge clk_i) begin
    if (load_we_i) mem_q[load_addr_i[2 +: WordBits]] <= load_data_i;
    if (win_we) mem_q[win_idx] <= merge(mem_q[win_idx], win_wdata, win_be);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q    <= '0;
      rr_mask_q <= '1;
      for (int c = 0; c < int'(NumCores); c++) begin
        cnt_q[c]   <= '0;
        rdata_q[c] <= '0;
      end
    end else begin
      busy_q    <= busy_d;
      rr_mask_q <= rr_mask_d;
      for (int c = 0; c < int'(NumCores); c++) begin
        cnt_q[c]   <= cnt_d[c];
        rdata_q[c] <= rdata_d[c];
      end
    end
  end

endmodule
