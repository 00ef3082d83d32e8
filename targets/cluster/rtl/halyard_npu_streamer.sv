// The NPU's TCDM master: NumPorts 32-bit priority ports on the L1 banks
// (after the DMA's, so the DMA wins a bank over the NPU and the NPU over the
// cores). Three streams share them, one burst of up to NumPorts words of one
// stream per cycle, in this priority:
//   1. the output row the engine has ready (int8: one word per 4 columns,
//      byte enables for a partial last word; int32: one word per column),
//   2. A rows, one row ahead of the engine at most two rows in the buffers,
//   3. panels, up to two ahead: B (one line of a panel per burst: a k of B
//      [K, N], or a column of B^T [N, K]), then bias, mul and add of the
//      panel's columns (when the job has them).
// A burst stays the current one until all its words are granted (a port that
// lost its bank retries the next cycle; the cycle counts as a stall), so
// a stream's cursor only moves on a complete burst. Reads return in the cycle
// they are granted (TCDM timing) and go straight into the engine's buffers.
//
// A panel operand (B, bias, mul, add) whose pointer lies in the weight memory
// (WmBase, WmBytes; halyard_npu_weight_mem) is read through its own port
// instead: up to WmWords words of the panel phase per cycle, across lines
// (two lines of a B [K, N] panel of 16 columns per cycle with 8 words), never
// refused, in the same cycle as the TCDM stream the ports serve (outputs or A
// rows), so weights cost no TCDM bank and are not TCDM words. The job check
// (halyard_npu_regs) keeps each operand wholly in one memory, so its base
// pointer says which.
module halyard_npu_streamer
  import halyard_npu_pkg::*;
#(
  parameter int unsigned NumPorts = 4,
  parameter int unsigned Cols     = 16,
  parameter logic [31:0] L1Base   = 32'h1000_0000,
  parameter logic [31:0] WmBase   = 32'h1D00_0000,
  parameter int unsigned WmBytes  = 0,   // 0: no weight memory
  parameter int unsigned WmWords  = 8    // words per cycle of its port
) (
  input  logic        clk_i,
  input  logic        rst_ni,

  input  logic        start_i,
  input  logic        active_i,
  input  logic [31:0] job_i [NumFields],

  input  logic [31:0] a_consumed_i,
  input  logic [31:0] p_consumed_i,
  output logic [31:0] a_fetched_o,
  output logic [31:0] p_fetched_o,

  input  logic        out_valid_i,
  input  logic [15:0] out_row_i,
  input  logic [15:0] out_panel_i,
  input  logic [31:0] out_val_i [Cols],
  output logic        out_done_o,
  output logic        job_done_o,   // the job's last output word was written

  output logic        tcdm_req_o   [NumPorts],
  output logic        tcdm_we_o    [NumPorts],
  output logic [3:0]  tcdm_be_o    [NumPorts],
  output logic [31:0] tcdm_addr_o  [NumPorts],  // byte offset into L1
  output logic [31:0] tcdm_wdata_o [NumPorts],
  input  logic        tcdm_gnt_i   [NumPorts],
  input  logic [31:0] tcdm_rdata_i [NumPorts],

  // The weight memory's read port (byte offsets into it).
  output logic [31:0] wm_addr_o  [WmWords],
  input  logic [31:0] wm_rdata_i [WmWords],

  // Buffer fills: the TCDM ports' words (0..NumPorts-1), then the weight
  // memory port's (NumPorts..NumPorts+WmWords-1).
  output logic        fill_valid_o [NumPorts + WmWords],
  output npu_word_e   fill_kind_o  [NumPorts + WmWords],
  output logic        fill_slot_o  [NumPorts + WmWords],
  output logic [15:0] fill_line_o  [NumPorts + WmWords],
  output logic [15:0] fill_index_o [NumPorts + WmWords],
  output logic [31:0] fill_data_o  [NumPorts + WmWords],

  output logic        stall_o,       // a request was refused this cycle
  output logic [31:0] words_o,       // words granted this cycle
  output logic [31:0] wm_words_o     // words read from the weight memory this cycle
);

  typedef enum logic [1:0] { StreamNone, StreamOut, StreamA, StreamPanel } stream_e;
  typedef enum logic [1:0] { PhaseB, PhaseBias, PhaseMul, PhaseAdd } phase_e;

  // Cursors.
  logic [31:0] a_seq_q, a_seq_d;        // A rows fetched (job row sequence)
  logic [15:0] a_m_q, a_m_d;            // row of A being fetched
  logic [31:0] a_w_q, a_w_d;            // next word in it
  logic [31:0] p_seq_q, p_seq_d;        // panels fetched
  phase_e      ph_q, ph_d;
  logic [31:0] p_line_q, p_line_d, p_w_q, p_w_d;
  logic [31:0] o_w_q, o_w_d;            // next word of the output row
  logic [31:0] rows_out_q, rows_out_d;  // output rows written
  stream_e     burst_q, burst_d;        // the open burst (StreamNone: none)
  logic [NumPorts-1:0] got_q, got_d;    // its words granted so far

  // Job shape.
  logic [31:0] m_rows, k_len, n_cols, panels, total_rows, a_words;
  logic        requant, per_channel, b_trans;
  always_comb begin
    m_rows      = job_i[FieldM];
    k_len       = job_i[FieldK];
    n_cols      = job_i[FieldN];
    panels      = (n_cols + Cols - 1) / Cols;
    total_rows  = panels * m_rows;
    a_words     = (k_len + 3) / 4;
    requant     = job_i[FieldConf][ConfRequant];
    per_channel = job_i[FieldConf][ConfPerChannel];
    b_trans     = job_i[FieldConf][ConfBTrans];
  end

  function automatic logic [31:0] panel_cols(input logic [31:0] p, input logic [31:0] n);
    return (n - p * Cols < Cols) ? n - p * Cols : Cols;
  endfunction

  function automatic logic in_wm(input logic [31:0] ptr);
    return WmBytes != 0 && (ptr - WmBase) < WmBytes;
  endfunction

  // The current panel phase's geometry, and whether its operand is in the
  // weight memory.
  logic [31:0] p_n0, p_nc, p_lines, p_wpl;
  logic        p_wm;
  always_comb begin
    p_n0 = p_seq_q * Cols;
    p_nc = panel_cols(p_seq_q, n_cols);
    unique case (ph_q)
      PhaseB:  begin p_lines = b_trans ? p_nc : k_len; p_wpl = b_trans ? a_words : (p_nc + 3) / 4; end
      default: begin p_lines = 32'd1; p_wpl = p_nc; end
    endcase
    unique case (ph_q)
      PhaseB:    p_wm = in_wm(job_i[FieldBPtr]);
      PhaseBias: p_wm = in_wm(job_i[FieldBiasPtr]);
      PhaseMul:  p_wm = in_wm(job_i[FieldMul]);
      default:   p_wm = in_wm(job_i[FieldAdd]);
    endcase
  end

  // Address of word w of line `line` of the current panel phase.
  function automatic logic [31:0] panel_addr(input logic [31:0] line, input logic [31:0] w,
                                             input phase_e ph, input logic [31:0] n0,
                                             input logic bt, input logic [31:0] job [NumFields]);
    unique case (ph)
      PhaseB:    return bt ? job[FieldBPtr] + (n0 + line) * job[FieldBStride] + 4 * w
                           : job[FieldBPtr] + line * job[FieldBStride] + n0 + 4 * w;
      PhaseBias: return job[FieldBiasPtr] + 4 * (n0 + w);
      PhaseMul:  return job[FieldMul] + 4 * (n0 + w);
      default:   return job[FieldAdd] + 4 * (n0 + w);
    endcase
  endfunction

  // The fills of both sources, assembled into fill_*_o below.
  logic        tc_valid [NumPorts], wm_valid [WmWords];
  npu_word_e   tc_kind  [NumPorts], wm_kind  [WmWords];
  logic        tc_slot  [NumPorts], wm_slot  [WmWords];
  logic [15:0] tc_line  [NumPorts], wm_fline  [WmWords];
  logic [15:0] tc_index [NumPorts], wm_index [WmWords];
  logic [31:0] tc_data  [NumPorts];

  // The weight memory port: the next WmWords words of the phase (fewer at
  // its end), walking lines; wm_line/wm_w is where the cursor lands.
  logic        wm_go;
  logic [31:0] wm_line, wm_w, wm_n;
  always_comb begin
    logic [31:0] line, w;
    wm_go = active_i && !start_i && p_wm && p_seq_q < panels && p_seq_q < p_consumed_i + 32'd2;
    line  = p_line_q;
    w     = p_w_q;
    wm_n  = '0;
    for (int j = 0; j < int'(WmWords); j++) begin
      wm_valid[j] = 1'b0;
      wm_kind[j]   = ph_q == PhaseB ? WordB : ph_q == PhaseBias ? WordBias
                   : ph_q == PhaseMul ? WordMul : WordAdd;
      wm_slot[j]   = p_seq_q[0];
      wm_fline[j]  = 16'(line);
      wm_index[j]  = 16'(w);
      wm_addr_o[j] = panel_addr(line, w, ph_q, p_n0, b_trans, job_i) - WmBase;
      if (wm_go && line < p_lines) begin
        wm_valid[j] = 1'b1;
        wm_n = wm_n + 32'd1;
        if (w + 32'd1 < p_wpl) begin
          w = w + 32'd1;
        end else begin
          w    = '0;
          line = line + 32'd1;
        end
      end
    end
    wm_line    = line;
    wm_w       = w;
    wm_words_o = wm_n;
  end

  // The output row's geometry.
  logic [31:0] o_nc, o_words, o_base;
  always_comb begin
    o_nc    = panel_cols(32'(out_panel_i), n_cols);
    o_words = requant ? (o_nc + 3) / 4 : o_nc;
    o_base  = job_i[FieldOutPtr] + 32'(out_row_i) * job_i[FieldOutStride] +
              32'(out_panel_i) * Cols * (requant ? 32'd1 : 32'd4);
  end

  logic want_out, want_a, want_p;
  stream_e pick;
  logic [31:0] n_words, cur_w;
  logic [NumPorts-1:0] all_got;
  always_comb begin
    want_out = active_i && out_valid_i && o_w_q < o_words;
    want_a   = active_i && a_seq_q < total_rows && a_seq_q < a_consumed_i + 32'd2;
    want_p   = active_i && !p_wm && p_seq_q < panels && p_seq_q < p_consumed_i + 32'd2;
    if (burst_q != StreamNone) pick = burst_q;
    else if (want_out)          pick = StreamOut;
    else if (want_a)            pick = StreamA;
    else if (want_p)            pick = StreamPanel;
    else                        pick = StreamNone;
    if (start_i) pick = StreamNone;
    unique case (pick)
      StreamOut:   begin cur_w = o_w_q; n_words = o_words - o_w_q; end
      StreamA:     begin cur_w = a_w_q; n_words = a_words - a_w_q; end
      StreamPanel: begin cur_w = p_w_q; n_words = p_wpl - p_w_q; end
      default:     begin cur_w = '0;    n_words = '0; end
    endcase
    if (n_words > NumPorts) n_words = NumPorts;
  end

  // Requests of the burst: port i moves word cur_w + i.
  always_comb begin
    logic [31:0] w, addr, cols_left;
    for (int i = 0; i < int'(NumPorts); i++) begin
      w    = cur_w + 32'(i);
      addr = '0;
      tcdm_we_o[i]    = 1'b0;
      tcdm_be_o[i]    = 4'hF;
      tcdm_wdata_o[i] = '0;
      tc_kind[i]  = WordA;
      tc_slot[i]  = 1'b0;
      tc_line[i]  = '0;
      tc_index[i] = 16'(w);
      unique case (pick)
        StreamOut: begin
          tcdm_we_o[i] = 1'b1;
          tc_kind[i] = WordOut;
          addr = o_base + 4 * w;
          if (requant) begin
            cols_left = o_nc - 4 * w;
            for (int b = 0; b < 4; b++) begin
              tcdm_wdata_o[i][8*b +: 8] = (4 * w + 32'(b) < Cols) ? out_val_i[4 * w + 32'(b)][7:0] : 8'h0;
              tcdm_be_o[i][b] = 32'(b) < cols_left;
            end
          end else begin
            tcdm_wdata_o[i] = (w < Cols) ? out_val_i[w] : '0;
          end
        end
        StreamA: begin
          addr = job_i[FieldAPtr] + 32'(a_m_q) * job_i[FieldAStride] + 4 * w;
          tc_kind[i] = WordA;
          tc_slot[i] = a_seq_q[0];
        end
        StreamPanel: begin
          tc_slot[i] = p_seq_q[0];
          tc_line[i] = 16'(p_line_q);
          addr = panel_addr(p_line_q, w, ph_q, p_n0, b_trans, job_i);
          unique case (ph_q)
            PhaseB:    tc_kind[i] = WordB;
            PhaseBias: tc_kind[i] = WordBias;
            PhaseMul:  tc_kind[i] = WordMul;
            default:   tc_kind[i] = WordAdd;
          endcase
        end
        default: ;
      endcase
      tcdm_req_o[i]   = (pick != StreamNone) && 32'(i) < n_words && !got_q[i];
      tcdm_addr_o[i]  = addr - L1Base;
    end
  end

  // Grants (a separate block: the requests above never depend on them).
  always_comb begin
    stall_o = 1'b0;
    words_o = '0;
    all_got = got_q;
    for (int i = 0; i < int'(NumPorts); i++) begin
      tc_data[i]  = tcdm_rdata_i[i];
      tc_valid[i] = tcdm_req_o[i] && tcdm_gnt_i[i] && pick != StreamOut;
      if (tcdm_req_o[i] && !tcdm_gnt_i[i]) stall_o = 1'b1;
      if (tcdm_req_o[i] && tcdm_gnt_i[i]) words_o = words_o + 32'd1;
      if ((tcdm_req_o[i] && tcdm_gnt_i[i]) || 32'(i) >= n_words) all_got[i] = 1'b1;
    end
  end

  always_comb begin
    for (int i = 0; i < int'(NumPorts); i++) begin
      fill_valid_o[i] = tc_valid[i];
      fill_kind_o[i]  = tc_kind[i];
      fill_slot_o[i]  = tc_slot[i];
      fill_line_o[i]  = tc_line[i];
      fill_index_o[i] = tc_index[i];
      fill_data_o[i]  = tc_data[i];
    end
    for (int j = 0; j < int'(WmWords); j++) begin
      fill_valid_o[NumPorts + j] = wm_valid[j];
      fill_kind_o[NumPorts + j]  = wm_kind[j];
      fill_slot_o[NumPorts + j]  = wm_slot[j];
      fill_line_o[NumPorts + j]  = wm_fline[j];
      fill_index_o[NumPorts + j] = wm_index[j];
      fill_data_o[NumPorts + j]  = wm_rdata_i[j];  // read in the cycle it is asked for
    end
  end

  // Cursor updates: a stream moves on when its whole burst is granted.
  always_comb begin
    logic done, p_adv;
    logic [31:0] p_line_n, p_w_n;   // the panel cursor after this cycle's words
    done       = (pick != StreamNone) && (&all_got);
    a_seq_d    = a_seq_q;
    a_m_d      = a_m_q;
    a_w_d      = a_w_q;
    p_seq_d    = p_seq_q;
    ph_d       = ph_q;
    p_line_d   = p_line_q;
    p_w_d      = p_w_q;
    o_w_d      = o_w_q;
    rows_out_d = rows_out_q;
    out_done_o = 1'b0;
    burst_d    = done ? StreamNone : pick;
    got_d      = (done || pick == StreamNone) ? '0 : all_got;
    if (done) begin
      unique case (pick)
        StreamOut: begin
          if (o_w_q + n_words >= o_words) begin
            o_w_d      = '0;
            out_done_o = 1'b1;
            rows_out_d = rows_out_q + 32'd1;
          end else begin
            o_w_d = o_w_q + n_words;
          end
        end
        StreamA: begin
          if (a_w_q + n_words >= a_words) begin
            a_w_d   = '0;
            a_seq_d = a_seq_q + 32'd1;
            a_m_d   = (32'(a_m_q) == m_rows - 32'd1) ? '0 : a_m_q + 16'd1;
          end else begin
            a_w_d = a_w_q + n_words;
          end
        end
        default: ;
      endcase
    end
    // The panel stream moves on a complete TCDM burst or on the weight
    // memory's words (never both: p_wm decides which serves the phase).
    p_adv    = 1'b0;
    p_line_n = p_line_q;
    p_w_n    = p_w_q;
    if (done && pick == StreamPanel) begin
      p_adv = 1'b1;
      if (p_w_q + n_words < p_wpl) begin
        p_w_n = p_w_q + n_words;
      end else begin
        p_w_n    = '0;
        p_line_n = p_line_q + 32'd1;
      end
    end else if (wm_go) begin
      p_adv    = 1'b1;
      p_line_n = wm_line;
      p_w_n    = wm_w;
    end
    if (p_adv) begin
      if (p_line_n < p_lines) begin
        p_line_d = p_line_n;
        p_w_d    = p_w_n;
      end else begin
        // Next phase that this job has, or the panel is complete.
        p_line_d = '0;
        p_w_d    = '0;
        if (ph_q == PhaseB && job_i[FieldBiasPtr] != '0) ph_d = PhaseBias;
        else if ((ph_q == PhaseB || ph_q == PhaseBias) && requant && per_channel) ph_d = PhaseMul;
        else if (ph_q == PhaseMul) ph_d = PhaseAdd;
        else begin
          ph_d    = PhaseB;
          p_seq_d = p_seq_q + 32'd1;
        end
      end
    end
    if (start_i) begin
      a_seq_d = '0; a_m_d = '0; a_w_d = '0; p_seq_d = '0; ph_d = PhaseB; p_line_d = '0; p_w_d = '0;
      o_w_d = '0; rows_out_d = '0; burst_d = StreamNone; got_d = '0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      a_seq_q    <= '0;
      a_m_q      <= '0;
      a_w_q      <= '0;
      p_seq_q    <= '0;
      ph_q       <= PhaseB;
      p_line_q   <= '0;
      p_w_q      <= '0;
      o_w_q      <= '0;
      rows_out_q <= '0;
      burst_q    <= StreamNone;
      got_q      <= '0;
    end else begin
      a_seq_q    <= a_seq_d;
      a_m_q      <= a_m_d;
      a_w_q      <= a_w_d;
      p_seq_q    <= p_seq_d;
      ph_q       <= ph_d;
      p_line_q   <= p_line_d;
      p_w_q      <= p_w_d;
      o_w_q      <= o_w_d;
      rows_out_q <= rows_out_d;
      burst_q    <= burst_d;
      got_q      <= got_d;
    end
  end

  assign a_fetched_o = a_seq_q;
  assign p_fetched_o = p_seq_q;
  assign job_done_o  = active_i && !start_i && rows_out_q == total_rows;

endmodule
