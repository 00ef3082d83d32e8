// L2: code and data. Instruction fetch is ideal (one read port per core,
// answered in the same cycle: the model of a shared icache that always hits).
// Core data accesses share one port: round-robin, one request accepted per
// cycle, loads answered Latency cycles after acceptance (the core stalls),
// stores posted (1 cycle). The DMA has its own port, one beat
// (DmaBeatBytes, dma.bytes_per_cycle) wide.
module halyard_l2 #(
  parameter int unsigned NumCores  = 8,
  parameter int unsigned SizeBytes = 2097152,
  parameter int unsigned Latency   = 10,
  parameter int unsigned DmaBeatBytes = 8  // a multiple of 4
) (
  input  logic        clk_i,
  input  logic        rst_ni,

  input  logic [31:0] fetch_addr_i  [NumCores],  // byte offset into L2
  output logic [31:0] fetch_rdata_o [NumCores],

  input  logic        core_req_i   [NumCores],
  input  logic        core_we_i    [NumCores],
  input  logic [3:0]  core_be_i    [NumCores],
  input  logic [31:0] core_addr_i  [NumCores],
  input  logic [31:0] core_wdata_i [NumCores],
  output logic        core_gnt_o   [NumCores],
  output logic [31:0] core_rdata_o [NumCores],

  // DMA: reads DmaBeatBytes / 4 consecutive words, writes them with byte enables.
  input  logic [31:0]               dma_raddr_i,
  output logic [8*DmaBeatBytes-1:0] dma_rdata_o,
  input  logic                      dma_we_i,
  input  logic [31:0]               dma_waddr_i,
  input  logic [8*DmaBeatBytes-1:0] dma_wdata_i,
  input  logic [DmaBeatBytes-1:0]   dma_wbe_i,

  input  logic        load_we_i,
  input  logic [31:0] load_addr_i,
  input  logic [31:0] load_data_i,

  // The write accepted this cycle (for the riscv-tests tohost convention).
  output logic        wr_valid_o,
  output logic [31:0] wr_addr_o,
  output logic [31:0] wr_data_o
);

  localparam int unsigned Words    = SizeBytes / 4;
  localparam int unsigned WordBits = $clog2(Words);
  localparam int unsigned DmaWords = DmaBeatBytes / 4;

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
    for (int c = 0; c < int'(NumCores); c++) fetch_rdata_o[c] = mem_q[fetch_addr_i[c][2 +: WordBits]];
  end

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

  always_comb begin
    for (int i = 0; i < int'(DmaWords); i++) dma_rdata_o[32*i +: 32] = mem_q[dma_raddr_i[2 +: WordBits] + WordBits'(i)];
  end

  function automatic logic [31:0] merge(input logic [31:0] old, input logic [31:0] wdata,
                                        input logic [3:0] be);
    return {be[3] ? wdata[31:24] : old[31:24], be[2] ? wdata[23:16] : old[23:16],
            be[1] ? wdata[15:8]  : old[15:8],  be[0] ? wdata[7:0]   : old[7:0]};
  endfunction

  always_ff @(posedge clk_i) begin
    logic [WordBits-1:0] w;
    if (load_we_i) mem_q[load_addr_i[2 +: WordBits]] <= load_data_i;
    if (win_we) mem_q[win_idx] <= merge(mem_q[win_idx], win_wdata, win_be);
    if (dma_we_i) begin
      w = dma_waddr_i[2 +: WordBits];
      for (int i = 0; i < int'(DmaWords); i++) begin
        if (dma_wbe_i[4*i +: 4] != 4'b0)
          mem_q[w + WordBits'(i)] <= merge(mem_q[w + WordBits'(i)], dma_wdata_i[32*i +: 32], dma_wbe_i[4*i +: 4]);
      end
    end
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

  assign wr_valid_o = win_we;
  assign wr_addr_o  = {{(30 - WordBits){1'b0}}, win_idx, 2'b00};
  assign wr_data_o  = win_wdata;

endmodule
