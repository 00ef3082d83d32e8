// Load-store unit: address, byte enables and write data of a load/store
// (plain and XpulpV2 post-increment forms), and the loaded value's extraction.
// The data port is word-aligned with byte enables; the cluster answers an
// access in the cycle it grants it.
//
// Misaligned accesses are done in hardware as CV32E40P does: one that stays
// inside a word (a halfword at byte 1) is a single access; one that crosses
// a word boundary (a halfword at byte 3, a word at byte 1..3) is split into
// two aligned accesses, the lower word first, on consecutive cycles (more
// if either waits for its grant). The first part's load data is held until
// the second returns. data_split_o marks the first part: the cluster checks
// that both words lie in the same memory before granting it.
module halyard_load_store_unit import halyard_pkg::*; (
  input  logic        clk_i,
  input  logic        rst_ni,

  input  logic        en_i,          // a load/store in execute
  input  logic        illegal_i,     // ... with an illegal encoding (no access)
  input  logic        we_i,
  input  logic [1:0]  size_i,        // 0 byte, 1 half, 2 word
  input  logic        signed_i,
  input  logic        post_i,        // post-increment: the address is rs1 itself
  input  logic [31:0] base_i,        // rs1
  input  logic [31:0] offset_i,      // the immediate, or rs2 (register-register load)
  input  logic [31:0] inc_i,         // the post-increment amount
  input  logic [31:0] wdata_i,       // rs2

  output logic [31:0] addr_o,        // the byte address of the access
  output logic [31:0] base_next_o,   // rs1 + increment (post-increment forms)
  output logic        split_first_o, // the access is split and this is its first part
  input  logic        first_done_i,  // the first part completed this cycle
  input  logic        done_i,        // the instruction retired or the core stopped

  output logic [31:0] data_addr_o,
  output logic [3:0]  data_be_o,
  output logic [31:0] data_wdata_o,
  output logic        data_split_o,  // first part of a split access: a second follows at +4
  input  logic [31:0] data_rdata_i,
  output logic [31:0] load_value_o
);

  logic        second_q, second_d;   // the first part is done, the second one is presented
  logic [31:0] low_q, low_d;         // the first part's load data

  logic        access, split;
  logic [1:0]  off;
  logic [3:0]  size_be;
  logic [7:0]  be_pair;              // byte enables over the two words
  logic [31:0] rotated;              // rs2 with byte i in lane (off + i) % 4
  logic [63:0] pair;
  logic [31:0] shifted;

  always_comb begin
    addr_o      = en_i ? base_i + (post_i ? 32'd0 : offset_i) : '0;
    base_next_o = base_i + inc_i;
    off         = addr_o[1:0];
    access      = en_i && !illegal_i;
    unique case (size_i)
      2'd0:    size_be = 4'b0001;
      2'd1:    size_be = 4'b0011;
      default: size_be = 4'b1111;
    endcase
    be_pair = {4'b0, size_be} << off;
    split   = access && (be_pair[7:4] != 4'b0);
    split_first_o = split && !second_q;

    // Aligned sub-word stores keep rs2's element replicated on every lane.
    unique case (size_i)
      2'd0:    rotated = {4{wdata_i[7:0]}};
      2'd1:    rotated = off[0] ? {wdata_i[23:0], wdata_i[31:24]} : {2{wdata_i[15:0]}};
      default: rotated = 32'({2{wdata_i}} >> (6'd32 - {off, 3'b000}));
    endcase
    if (size_i == 2'd1 && off == 2'd3) rotated = {wdata_i[7:0], wdata_i[31:8]};

    data_addr_o  = {addr_o[31:2], 2'b00} + (second_q ? 32'd4 : 32'd0);
    data_split_o = split_first_o;
    data_be_o    = 4'b0;
    data_wdata_o = '0;
    if (access) begin
      data_be_o    = second_q ? be_pair[7:4] : be_pair[3:0];
      data_wdata_o = rotated;
    end
  end

  always_comb begin
    second_d = second_q;
    low_d    = low_q;
    if (done_i) begin
      second_d = 1'b0;
    end else if (first_done_i) begin
      second_d = 1'b1;
      low_d    = data_rdata_i;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      second_q <= 1'b0;
      low_q    <= '0;
    end else begin
      second_q <= second_d;
      low_q    <= low_d;
    end
  end

  // The loaded bytes start at byte off of the first word.
  always_comb begin
    pair    = second_q ? {data_rdata_i, low_q} : {32'b0, data_rdata_i};
    shifted = 32'(pair >> {off, 3'b000});
    unique case (size_i)
      2'd0:    load_value_o = signed_i ? {{24{shifted[7]}}, shifted[7:0]} : {24'b0, shifted[7:0]};
      2'd1:    load_value_o = signed_i ? {{16{shifted[15]}}, shifted[15:0]} : {16'b0, shifted[15:0]};
      default: load_value_o = shifted;
    endcase
  end

endmodule
