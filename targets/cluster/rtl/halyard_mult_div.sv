// Multiplier/divider: mul, mulh*, div/rem, XpulpV2's p.mac/p.msu and the
// pv.dot*/pv.sdot* dot products. The result is computed in one evaluation;
// the multi-cycle timing of CV32E40P is a counter here: cycles_o is the
// instruction's total (1 for mul/mac/dot, MulhCycles for mulh*, DivMinCycles
// plus one per quotient bit for div/rem), and the core holds the instruction
// while busy_o && count_o != 0.
module halyard_mult_div import halyard_pkg::*; #(
  parameter int unsigned MulhCycles   = 5,
  parameter int unsigned DivMinCycles = 3
) (
  input  logic        clk_i,
  input  logic        rst_ni,

  input  md_op_e      operator_i,
  input  logic [31:0] operand_a_i,   // rs1
  input  logic [31:0] operand_b_i,   // rs2
  input  logic [31:0] operand_c_i,   // rd (accumulator)
  input  logic        dot_bytes_i,
  input  logic        dot_scalar_i,
  input  logic        dot_signed_a_i,
  input  logic        dot_signed_b_i,
  input  logic        dot_acc_i,
  output logic [31:0] result_o,
  output logic [5:0]  cycles_o,      // total cycles of the operation (valid while !busy_o)

  // The core's multi-cycle stall counter.
  input  logic        start_i,       // the operation starts stalling: count = cycles_o - 2
  input  logic        step_i,        // one more stall cycle
  input  logic        done_i,        // the instruction retires
  output logic        busy_o,
  output logic [5:0]  count_o
);

  logic       busy_q, busy_d;
  logic [5:0] count_q, count_d;

  // Number of leading zeros; an iterative divider produces
  // clz(|b|) - clz(|a|) + 1 quotient bits for |a| >= |b|.
  function automatic logic [5:0] clz32(input logic [31:0] v);
    logic [5:0] n;
    n = 6'd32;
    for (int k = 31; k >= 0; k--) begin
      if (v[k]) begin
        n = 6'(31 - k);
        break;
      end
    end
    return n;
  endfunction

  function automatic logic [31:0] dot4(input logic [31:0] a, input logic [31:0] b,
                                        input logic sa, input logic sb);
    logic signed [31:0] acc;
    acc = 0;
    for (int i = 0; i < 4; i++) begin
      acc += $signed({sa & a[8*i+7], a[8*i +: 8]}) * $signed({sb & b[8*i+7], b[8*i +: 8]});
    end
    return acc;
  endfunction

  function automatic logic [31:0] dot2(input logic [31:0] a, input logic [31:0] b,
                                        input logic sa, input logic sb);
    logic signed [31:0] acc;
    acc = 0;
    for (int i = 0; i < 2; i++) begin
      acc += $signed({sa & a[16*i+15], a[16*i +: 16]}) * $signed({sb & b[16*i+15], b[16*i +: 16]});
    end
    return acc;
  endfunction

  always_comb begin
    logic [31:0] a, b, abs_a, abs_b, vb, dot;
    logic signed [63:0] prod;
    a = operand_a_i;
    b = operand_b_i;
    abs_a = a; abs_b = b; vb = b; dot = '0; prod = '0;
    result_o = '0;
    cycles_o = 6'd1;
    unique case (operator_i)
      MdMul: result_o = a * b;
      MdMac: result_o = operand_c_i + a * b;
      MdMsu: result_o = operand_c_i - a * b;
      MdMulh, MdMulhsu, MdMulhu: begin
        cycles_o = 6'(MulhCycles);
        if (operator_i == MdMulh)        prod = $signed({{32{a[31]}}, a}) * $signed({{32{b[31]}}, b});
        else if (operator_i == MdMulhsu) prod = $signed({{32{a[31]}}, a}) * $signed({32'b0, b});
        else                             prod = $signed({32'b0, a}) * $signed({32'b0, b});
        result_o = prod[63:32];
      end
      MdDot: begin
        vb = b;
        if (dot_scalar_i) vb = dot_bytes_i ? {4{b[7:0]}} : {2{b[15:0]}};
        dot = dot_bytes_i ? dot4(a, vb, dot_signed_a_i, dot_signed_b_i)
                          : dot2(a, vb, dot_signed_a_i, dot_signed_b_i);
        result_o = dot_acc_i ? operand_c_i + dot : dot;
      end
      default: begin
        // div, divu, rem, remu
        if (operator_i == MdDivu || operator_i == MdRemu) begin
          abs_a = a; abs_b = b;
        end else begin
          abs_a = a[31] ? -a : a;
          abs_b = b[31] ? -b : b;
        end
        if (!busy_q) begin
          if (abs_b == 0 || clz32(abs_b) < clz32(abs_a)) cycles_o = 6'(DivMinCycles);
          else cycles_o = 6'(DivMinCycles) + clz32(abs_b) - clz32(abs_a) + 6'd1;
        end else begin
          cycles_o = 6'd2;  // already counting: only busy_o/count_o matter
        end
        if (b == 0) begin
          result_o = (operator_i == MdRem || operator_i == MdRemu) ? a : 32'hFFFF_FFFF;
        end else if ((operator_i == MdDiv || operator_i == MdRem) &&
                     a == 32'h8000_0000 && b == 32'hFFFF_FFFF) begin
          result_o = (operator_i == MdRem) ? 32'd0 : 32'h8000_0000;
        end else if (operator_i == MdDivu) begin
          result_o = a / b;
        end else if (operator_i == MdRemu) begin
          result_o = a % b;
        end else if (operator_i == MdRem) begin
          result_o = 32'($signed(a) % $signed(b));
        end else begin
          result_o = 32'($signed(a) / $signed(b));
        end
      end
    endcase
  end

  always_comb begin
    busy_d  = busy_q;
    count_d = count_q;
    if (start_i) begin
      busy_d = 1'b1; count_d = cycles_o - 6'd2;
    end else if (step_i) begin
      count_d = count_q - 6'd1;
    end else if (done_i) begin
      busy_d = 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q  <= 1'b0;
      count_q <= '0;
    end else begin
      busy_q  <= busy_d;
      count_q <= count_d;
    end
  end

  assign busy_o  = busy_q;
  assign count_o = count_q;

endmodule
