// ALU: RV32I arithmetic, logic, shifts and comparisons (also the branch
// condition), and XpulpV2's p.abs, p.slet[u], p.min[u], p.max[u], p.clip*.
// Single cycle.
module halyard_alu import halyard_pkg::*; (
  input  alu_op_e     operator_i,
  input  logic [31:0] operand_a_i,
  input  logic [31:0] operand_b_i,
  input  logic [4:0]  clip_bits_i,   // Is2 of p.clip/p.clipu (the rs2 field)
  output logic [31:0] result_o,
  output logic        cmp_o          // comparison result (branches)
);

  logic [31:0] a, b, lo, hi;
  assign a = operand_a_i;
  assign b = operand_b_i;

  always_comb begin
    unique case (operator_i)
      AluEq:  cmp_o = (a == b);
      AluNe:  cmp_o = (a != b);
      AluLt:  cmp_o = ($signed(a) <  $signed(b));
      AluGe:  cmp_o = ($signed(a) >= $signed(b));
      AluLtu: cmp_o = (a <  b);
      AluGeu: cmp_o = (a >= b);
      AluLe:  cmp_o = ($signed(a) <= $signed(b));
      AluLeu: cmp_o = (a <= b);
      default: cmp_o = 1'b0;
    endcase
  end

  // p.clip/p.clipu: bounds -2^(Is2-1) .. 2^(Is2-1)-1 (clipu: 0 ..);
  // p.clipr/p.clipur: -rs2-1 .. rs2 (clipur: 0 .. rs2).
  always_comb begin
    if (operator_i == AluClip || operator_i == AluClipu) begin
      hi = (32'd1 << clip_bits_i) >> 1;
      lo = -hi;
      hi = hi - 32'd1;
    end else begin
      hi = b;
      lo = -b - 32'd1;
    end
    if (operator_i == AluClipu || operator_i == AluClipur) lo = '0;
  end

  always_comb begin
    unique case (operator_i)
      AluAdd:  result_o = a + b;
      AluSub:  result_o = a - b;
      AluXor:  result_o = a ^ b;
      AluOr:   result_o = a | b;
      AluAnd:  result_o = a & b;
      AluSll:  result_o = a << b[4:0];
      AluSrl:  result_o = a >> b[4:0];
      AluSra:  result_o = 32'($signed(a) >>> b[4:0]);
      AluAbs:  result_o = a[31] ? -a : a;
      AluMin:  result_o = ($signed(a) < $signed(b)) ? a : b;
      AluMinu: result_o = (a < b) ? a : b;
      AluMax:  result_o = ($signed(a) > $signed(b)) ? a : b;
      AluMaxu: result_o = (a > b) ? a : b;
      AluClip, AluClipu, AluClipr, AluClipur: begin
        if ($signed(a) <= $signed(lo))      result_o = lo;
        else if ($signed(a) >= $signed(hi)) result_o = hi;
        else                                result_o = a;
      end
      default: result_o = {31'b0, cmp_o};  // slt, sltu, slet, sletu
    endcase
  end

endmodule
