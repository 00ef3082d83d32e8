// The NPU's compute side: operand buffers, the PE array and the requantizer.
//
// A job is computed panel by panel: a panel is Cols output columns
// (n0 .. n0 + Cols - 1) and needs B[0..K-1][n0..] plus, per column, bias,
// mul and add; it stays in one of two panel buffers while every row m of A
// streams past it. For one output row the array holds Cols int32
// accumulators (one PE per column), each PE a Lanes-deep int8 dot product per
// cycle: a row takes ceil(K / Lanes) steps, Cols * Lanes MACs per step at
// best. A rows sit in two row buffers (the streamer fetches the next while
// the current one is used), the panels in two panel buffers (the next panel
// is fetched during the current one). The streamer (halyard_npu_streamer)
// fills the buffers and reports what it has fetched (a_fetched_i, p_fetched_i
// count rows and panels); the engine reports what it is done with
// (a_consumed_o, p_consumed_o) so a buffer is only refilled when free.
//
// When a row's last step is done its accumulators go, the next cycle, through
// the requantizer into the output buffer (while the next row's first step
// runs), which the streamer writes to L1. The requantizer is Deeploy's
// RequantShift, in 32-bit two's complement as the generated C computes it:
//   v = acc + bias[n]                    (bias 0 without BIAS_PTR)
//   x = v * mul[n] + add[n]              (per channel, or MUL/ADD for all)
//   x = (x + (ROUND && s > 0 ? 1 << (s - 1) : 0)) >>> s
//   y = clip(x, CLIP_LO, CLIP_HI)        (stored as one byte)
// or y = v (int32) without CONF.REQUANT.
module halyard_npu_engine
  import halyard_npu_pkg::*;
#(
  parameter int unsigned Cols     = 16,
  parameter int unsigned Lanes    = 8,
  parameter int unsigned MaxK     = 512,
  parameter int unsigned NumFills = 4   // words filled per cycle: TCDM ports + weight memory port
) (
  input  logic        clk_i,
  input  logic        rst_ni,

  input  logic        start_i,    // a job begins (job_i holds its fields from now on)
  input  logic        active_i,
  input  logic [31:0] job_i [NumFields],

  // Buffer fills from the streamer, one per word it reads (TCDM and weight memory).
  input  logic        fill_valid_i [NumFills],
  input  npu_word_e   fill_kind_i  [NumFills],
  input  logic        fill_slot_i  [NumFills],
  input  logic [15:0] fill_line_i  [NumFills],
  input  logic [15:0] fill_index_i [NumFills],
  input  logic [31:0] fill_data_i  [NumFills],
  input  logic [31:0] a_fetched_i,  // A rows completely in a row buffer (job row sequence)
  input  logic [31:0] p_fetched_i,  // panels completely in a panel buffer

  output logic [31:0] a_consumed_o,
  output logic [31:0] p_consumed_o,

  // The output buffer: one requantized row of a panel, written by the streamer.
  output logic        out_valid_o,
  output logic [15:0] out_row_o,
  output logic [15:0] out_panel_o,
  output logic [31:0] out_val_o [Cols],
  input  logic        out_done_i,

  output logic        compute_o,    // a step ran this cycle
  output logic [31:0] step_macs_o   // its useful MACs
);

  localparam int unsigned KBits = $clog2(MaxK);
  localparam int unsigned CBits = $clog2(Cols);

  logic [7:0]  abuf_q [2][MaxK];
  logic [7:0]  pbuf_q [2][MaxK][Cols];
  logic [31:0] bias_q [2][Cols];
  logic [31:0] mul_q  [2][Cols];
  logic [31:0] add_q  [2][Cols];

  logic signed [31:0] acc_q [Cols];
  logic [31:0] row_seq_q, row_seq_d;      // rows computed in this job (all panels)
  logic [15:0] m_q, m_d, p_q, p_d;        // row and panel of the row being computed
  logic [15:0] step_q, step_d;            // k step within the row
  logic        pend_q, pend_d;            // acc_q holds a finished row, not yet requantized
  logic [15:0] pend_m_q, pend_m_d, pend_p_q, pend_p_d;
  logic [31:0] p_consumed_q, p_consumed_d;
  logic        out_valid_q, out_valid_d;
  logic [15:0] out_row_q, out_panel_q;
  logic [31:0] out_val_q [Cols];

  // Job shape.
  logic [31:0] m_rows, k_len, n_cols, steps, panels, cols_last;
  logic        requant, per_channel, a_unsigned, round, has_bias;
  always_comb begin
    m_rows      = job_i[FieldM];
    k_len       = job_i[FieldK];
    n_cols      = job_i[FieldN];
    steps       = (k_len + Lanes - 1) / Lanes;
    panels      = (n_cols + Cols - 1) / Cols;
    cols_last   = n_cols - (panels - 32'd1) * Cols;
    requant     = job_i[FieldConf][ConfRequant];
    per_channel = job_i[FieldConf][ConfPerChannel];
    a_unsigned  = job_i[FieldConf][ConfAUnsigned];
    round       = job_i[FieldConf][ConfRound];
    has_bias    = job_i[FieldBiasPtr] != '0;
  end

  // Sequencing: a step runs when its A row and panel are in and the
  // accumulators are free (the previous row went to the requantizer).
  logic do_step, last_step, do_requant;
  logic [31:0] step_k, lanes_valid, cols_valid;
  always_comb begin
    do_requant  = pend_q && !out_valid_q;
    do_step     = active_i && !start_i && (row_seq_q < panels * m_rows) &&
                  (a_fetched_i > row_seq_q) && (p_fetched_i > 32'(p_q)) && (!pend_q || do_requant);
    last_step   = 32'(step_q) == steps - 32'd1;
    step_k      = 32'(step_q) * Lanes;
    lanes_valid = (k_len - step_k < Lanes) ? k_len - step_k : Lanes;
    cols_valid  = (32'(p_q) == panels - 32'd1) ? cols_last : Cols;

    row_seq_d    = row_seq_q;
    m_d          = m_q;
    p_d          = p_q;
    step_d       = step_q;
    pend_d       = pend_q && !do_requant;
    pend_m_d     = pend_m_q;
    pend_p_d     = pend_p_q;
    p_consumed_d = p_consumed_q;
    out_valid_d  = (out_valid_q && !out_done_i) || do_requant;
    if (do_requant && 32'(pend_m_q) == m_rows - 32'd1) p_consumed_d = p_consumed_q + 32'd1;
    if (do_step) begin
      if (last_step) begin
        step_d    = '0;
        row_seq_d = row_seq_q + 32'd1;
        pend_d    = 1'b1;
        pend_m_d  = m_q;
        pend_p_d  = p_q;
        if (32'(m_q) == m_rows - 32'd1) begin
          m_d = '0;
          p_d = p_q + 16'd1;
        end else begin
          m_d = m_q + 16'd1;
        end
      end else begin
        step_d = step_q + 16'd1;
      end
    end
    if (start_i) begin
      row_seq_d = '0; m_d = '0; p_d = '0; step_d = '0; pend_d = 1'b0; p_consumed_d = '0;
      out_valid_d = 1'b0;
    end
  end

  // The requantizer (one row of Cols columns per cycle).
  function automatic logic [31:0] requantize(input logic signed [31:0] acc, input logic [31:0] bias,
                                             input logic [31:0] mul, input logic [31:0] add,
                                             input logic [31:0] job [NumFields], input logic rq,
                                             input logic rnd);
    logic signed [31:0] v, x, lo, hi;
    logic [4:0] s;
    v = acc + $signed(bias);
    if (!rq) return v;
    s  = job[FieldShift][4:0];
    x  = v * $signed(mul) + $signed(add);
    if (rnd && s != 5'd0) x = x + (32'sd1 <<< (s - 5'd1));
    x  = x >>> s;
    lo = $signed(job[FieldClipLo]);
    hi = $signed(job[FieldClipHi]);
    if (x < lo) x = lo;
    if (x > hi) x = hi;
    return x;
  endfunction

  always_ff @(posedge clk_i) begin
    // Fills.
    for (int p = 0; p < int'(NumFills); p++) begin
      if (fill_valid_i[p]) begin
        unique case (fill_kind_i[p])
          WordA: for (int b = 0; b < 4; b++) begin
            if (32'(fill_index_i[p]) * 4 + b < MaxK)
              abuf_q[fill_slot_i[p]][KBits'(32'(fill_index_i[p]) * 4 + b)] <= fill_data_i[p][8*b +: 8];
          end
          WordB: for (int b = 0; b < 4; b++) begin
            if (job_i[FieldConf][ConfBTrans]) begin
              // line: column in the panel, index: word along K
              if (32'(fill_index_i[p]) * 4 + b < MaxK && 32'(fill_line_i[p]) < Cols)
                pbuf_q[fill_slot_i[p]][KBits'(32'(fill_index_i[p]) * 4 + b)][CBits'(fill_line_i[p])] <= fill_data_i[p][8*b +: 8];
            end else begin
              // line: k, index: word of 4 columns
              if (32'(fill_line_i[p]) < MaxK && 32'(fill_index_i[p]) * 4 + b < Cols)
                pbuf_q[fill_slot_i[p]][KBits'(fill_line_i[p])][CBits'(32'(fill_index_i[p]) * 4 + b)] <= fill_data_i[p][8*b +: 8];
            end
          end
          WordBias: if (32'(fill_index_i[p]) < Cols) bias_q[fill_slot_i[p]][CBits'(fill_index_i[p])] <= fill_data_i[p];
          WordMul:  if (32'(fill_index_i[p]) < Cols) mul_q[fill_slot_i[p]][CBits'(fill_index_i[p])] <= fill_data_i[p];
          WordAdd:  if (32'(fill_index_i[p]) < Cols) add_q[fill_slot_i[p]][CBits'(fill_index_i[p])] <= fill_data_i[p];
          default: ;
        endcase
      end
    end
    // The requantizer reads the finished row before a new row's first step
    // overwrites the accumulators (non-blocking: both in this cycle).
    if (do_requant) begin
      for (int j = 0; j < int'(Cols); j++) begin
        out_val_q[j] <= requantize(acc_q[j], has_bias ? bias_q[pend_p_q[0]][j] : 32'd0,
                                   per_channel ? mul_q[pend_p_q[0]][j] : job_i[FieldMul],
                                   per_channel ? add_q[pend_p_q[0]][j] : job_i[FieldAdd],
                                   job_i, requant, round);
      end
      out_row_q   <= pend_m_q;
      out_panel_q <= pend_p_q;
    end
    // The PE array: Cols dot products of Lanes int8 pairs.
    if (do_step) begin
      for (int j = 0; j < int'(Cols); j++) begin
        logic signed [31:0] sum;
        sum = (step_q == '0) ? 32'sd0 : acc_q[j];
        for (int l = 0; l < int'(Lanes); l++) begin
          if (32'(l) < lanes_valid) begin
            logic [7:0] ab, bb;
            logic signed [31:0] av, bv;
            ab  = abuf_q[row_seq_q[0]][KBits'(step_k + 32'(l))];
            bb  = pbuf_q[p_q[0]][KBits'(step_k + 32'(l))][j];
            av  = a_unsigned ? $signed({24'b0, ab}) : $signed({{24{ab[7]}}, ab});
            bv  = $signed({{24{bb[7]}}, bb});
            sum = sum + av * bv;
          end
        end
        acc_q[j] <= sum;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      row_seq_q    <= '0;
      m_q          <= '0;
      p_q          <= '0;
      step_q       <= '0;
      pend_q       <= 1'b0;
      pend_m_q     <= '0;
      pend_p_q     <= '0;
      p_consumed_q <= '0;
      out_valid_q  <= 1'b0;
    end else begin
      row_seq_q    <= row_seq_d;
      m_q          <= m_d;
      p_q          <= p_d;
      step_q       <= step_d;
      pend_q       <= pend_d;
      pend_m_q     <= pend_m_d;
      pend_p_q     <= pend_p_d;
      p_consumed_q <= p_consumed_d;
      out_valid_q  <= out_valid_d;
    end
  end

  assign a_consumed_o = row_seq_q;
  assign p_consumed_o = p_consumed_q;
  assign out_valid_o  = out_valid_q;
  assign out_row_o    = out_row_q;
  assign out_panel_o  = out_panel_q;
  assign out_val_o    = out_val_q;
  assign compute_o    = do_step;
  assign step_macs_o  = do_step ? lanes_valid * cols_valid : 32'd0;

endmodule
