// L1 tightly-coupled data memory: word-interleaved banks, one access per bank
// per cycle. Priority ports (DMA, later the NPU) win a bank outright, in port
// order; the cores share what is left round-robin (bit trick m & (~m + 1)).
// A core that loses is told so (gnt = 0) and retries the next cycle.
module halyard_tcdm #(
  parameter int unsigned NumCores  = 8,
  parameter int unsigned NumPrio   = 2,
  parameter int unsigned NumBanks  = 16,
  parameter int unsigned SizeBytes = 262144
) (
  input  logic        clk_i,
  input  logic        rst_ni,

  input  logic        core_req_i   [NumCores],
  input  logic        core_we_i    [NumCores],
  input  logic [3:0]  core_be_i    [NumCores],
  input  logic [31:0] core_addr_i  [NumCores],  // byte offset into L1
  input  logic [31:0] core_wdata_i [NumCores],
  output logic        core_gnt_o   [NumCores],
  output logic [31:0] core_rdata_o [NumCores],

  input  logic        prio_req_i   [NumPrio],
  input  logic        prio_we_i    [NumPrio],
  input  logic [3:0]  prio_be_i    [NumPrio],
  input  logic [31:0] prio_addr_i  [NumPrio],
  input  logic [31:0] prio_wdata_i [NumPrio],
  output logic        prio_gnt_o   [NumPrio],
  output logic [31:0] prio_rdata_o [NumPrio],

  // Program loading while the cluster is held in reset.
  input  logic        load_we_i,
  input  logic [31:0] load_addr_i,
  input  logic [31:0] load_data_i,

  // Per-bank conflict count (cycles in which a bank refused a core).
  output logic [31:0] conflicts_o
);

  localparam int unsigned Words    = SizeBytes / 4;
  localparam int unsigned WordBits = $clog2(Words);
  localparam int unsigned BankBits = $clog2(NumBanks);

  logic [31:0] mem_q [Words];

  logic [NumCores-1:0] bank_req  [NumBanks];
  logic [NumCores-1:0] bank_gnt  [NumBanks];
  logic [NumCores-1:0] rr_mask_q [NumBanks];
  logic [NumCores-1:0] rr_mask_d [NumBanks];
  logic                bank_prio [NumBanks];
  logic [WordBits-1:0] core_idx  [NumCores];
  logic [WordBits-1:0] prio_idx  [NumPrio];
  logic [31:0]         conflicts_q;
  logic [31:0]         lost;

  always_comb begin
    for (int c = 0; c < int'(NumCores); c++) core_idx[c] = core_addr_i[c][2 +: WordBits];
    for (int p = 0; p < int'(NumPrio); p++)  prio_idx[p] = prio_addr_i[p][2 +: WordBits];
  end

  always_comb begin
    logic [NumCores-1:0] m;
    m = '0;
    for (int b = 0; b < int'(NumBanks); b++) begin
      bank_req[b]  = '0;
      bank_prio[b] = 1'b0;
      rr_mask_d[b] = rr_mask_q[b];
    end
    for (int p = 0; p < int'(NumPrio); p++) begin
      prio_gnt_o[p] = 1'b0;
      if (prio_req_i[p] && !bank_prio[prio_idx[p][BankBits-1:0]]) begin
        prio_gnt_o[p] = 1'b1;
        bank_prio[prio_idx[p][BankBits-1:0]] = 1'b1;
      end
    end
    for (int c = 0; c < int'(NumCores); c++) begin
      if (core_req_i[c]) bank_req[core_idx[c][BankBits-1:0]][c] = 1'b1;
    end
    for (int b = 0; b < int'(NumBanks); b++) begin
      if (bank_prio[b] || bank_req[b] == '0) begin
        bank_gnt[b] = '0;
      end else begin
        m = bank_req[b] & rr_mask_q[b];
        if (m == '0) m = bank_req[b];
        bank_gnt[b]  = m & (~m + 1'b1);
        rr_mask_d[b] = ~((bank_gnt[b] << 1) - 1'b1);
      end
    end
    lost = '0;
    for (int c = 0; c < int'(NumCores); c++) begin
      core_gnt_o[c] = bank_gnt[core_idx[c][BankBits-1:0]][c];
      if (core_req_i[c] && !core_gnt_o[c]) lost = lost + 32'd1;
    end
  end

  always_comb begin
    for (int c = 0; c < int'(NumCores); c++) core_rdata_o[c] = mem_q[core_idx[c]];
    for (int p = 0; p < int'(NumPrio); p++)  prio_rdata_o[p] = mem_q[prio_idx[p]];
  end

  function automatic logic [31:0] merge(input logic [31:0] old, input logic [31:0] wdata,
                                        input logic [3:0] be);
    return {be[3] ? wdata[31:24] : old[31:24], be[2] ? wdata[23:16] : old[23:16],
            be[1] ? wdata[15:8]  : old[15:8],  be[0] ? wdata[7:0]   : old[7:0]};
  endfunction

  always_ff @(posedge clk_i) begin
    if (load_we_i) mem_q[load_addr_i[2 +: WordBits]] <= load_data_i;
    for (int p = 0; p < int'(NumPrio); p++) begin
      if (prio_req_i[p] && prio_gnt_o[p] && prio_we_i[p])
        mem_q[prio_idx[p]] <= merge(mem_q[prio_idx[p]], prio_wdata_i[p], prio_be_i[p]);
    end
    for (int c = 0; c < int'(NumCores); c++) begin
      if (core_req_i[c] && core_gnt_o[c] && core_we_i[c])
        mem_q[core_idx[c]] <= merge(mem_q[core_idx[c]], core_wdata_i[c], core_be_i[c]);
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int b = 0; b < int'(NumBanks); b++) rr_mask_q[b] <= '1;
      conflicts_q <= '0;
    end else begin
      for (int b = 0; b < int'(NumBanks); b++) rr_mask_q[b] <= rr_mask_d[b];
      conflicts_q <= conflicts_q + lost;
    end
  end

  assign conflicts_o = conflicts_q;

endmodule
