// Load-store unit: address, byte enables and write data of a load/store
// (plain and XpulpV2 post-increment forms), and the loaded value's extraction.
// The data port is word-aligned with byte enables; the cluster answers an
// access in the cycle it grants it.
module halyard_load_store_unit import halyard_pkg::*; (
  input  logic        en_i,          // a load/store in execute
  input  logic        illegal_i,     // ... with an illegal encoding (no access)
  input  logic        we_i,
  input  logic [1:0]  size_i,        // 0 byte, 1 half, 2 word
  input  logic        signed_i,
  input  logic        post_i,        // post-increment: the address is rs1 itself
  input  logic [31:0] base_i,        // rs1
  input  logic [31:0] offset_i,      // the immediate
  input  logic [31:0] inc_i,         // the post-increment amount
  input  logic [31:0] wdata_i,       // rs2

  output logic        misaligned_o,  // traps (cause 4 / 6, mtval = addr_o)
  output logic [31:0] addr_o,        // the byte address of the access
  output logic [31:0] base_next_o,   // rs1 + increment (post-increment forms)

  output logic [31:0] data_addr_o,
  output logic [3:0]  data_be_o,
  output logic [31:0] data_wdata_o,
  input  logic [31:0] data_rdata_i,
  output logic [31:0] load_value_o
);

  logic [31:0] shifted;

  always_comb begin
    addr_o       = en_i ? base_i + (post_i ? 32'd0 : offset_i) : '0;
    base_next_o  = base_i + inc_i;
    misaligned_o = en_i && !illegal_i && ((size_i == 2'd1 && addr_o[0]) || (size_i == 2'd2 && addr_o[1:0] != 2'b0));
    data_addr_o  = {addr_o[31:2], 2'b00};
    data_be_o    = 4'b0;
    data_wdata_o = '0;
    if (en_i && !illegal_i && !misaligned_o) begin
      unique case (size_i)
        2'd0: begin
          data_be_o    = 4'b0001 << addr_o[1:0];
          data_wdata_o = {4{wdata_i[7:0]}};
        end
        2'd1: begin
          data_be_o    = 4'b0011 << addr_o[1:0];
          data_wdata_o = {2{wdata_i[15:0]}};
        end
        default: begin
          data_be_o    = 4'b1111;
          data_wdata_o = wdata_i;
        end
      endcase
    end
  end

  always_comb begin
    shifted = data_rdata_i >> {addr_o[1:0], 3'b000};
    unique case (size_i)
      2'd0:    load_value_o = signed_i ? {{24{shifted[7]}}, shifted[7:0]} : {24'b0, shifted[7:0]};
      2'd1:    load_value_o = signed_i ? {{16{shifted[15]}}, shifted[15:0]} : {16'b0, shifted[15:0]};
      default: load_value_o = data_rdata_i;
    endcase
  end

endmodule
