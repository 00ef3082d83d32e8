// The NPU: an int8 matrix engine on the TCDM (docs/npu.md).
//   C[M, N] = requant(A[M, K] x B[K, N] + bias)     A int8/uint8, B int8
// Cores program jobs through the registers (halyard_npu_regs: acquire,
// fields, trigger, a queue of QueueDepth jobs); the streamer
// (halyard_npu_streamer) moves operands from L1 into the engine's buffers and
// results back over NumPorts TCDM priority ports; the engine
// (halyard_npu_engine) holds Cols x Lanes MAC/cycle and the requantizer. A
// finished job raises the NPU event on the core that triggered it. Perf
// counters: cycles with a job running, cycles with a refused TCDM request,
// useful MACs, TCDM words and bytes read from the weight memory. When no job
// runs the NPU requests nothing, so it costs the cores no cycles. Panels whose
// operands lie in the weight memory (halyard_npu_weight_mem, outside this
// module: the cores reach it over the cluster bus) come through its port.
module halyard_npu
  import halyard_npu_pkg::*;
#(
  parameter int unsigned NumCores   = 8,
  parameter int unsigned NumPorts   = 4,
  parameter int unsigned Cols       = 16,
  parameter int unsigned Lanes      = 8,
  parameter int unsigned MaxK       = 512,
  parameter int unsigned QueueDepth = 2,
  parameter logic [31:0] L1Base     = 32'h1000_0000,
  parameter int unsigned L1Size     = 262144,
  parameter logic [31:0] WmBase     = 32'h1D00_0000,
  parameter int unsigned WmBytes    = 0,    // npu.weight_mem_bytes (0: none)
  parameter int unsigned WmWords    = 8     // npu.weight_mem_port_bytes / 4
) (
  input  logic        clk_i,
  input  logic        rst_ni,

  input  logic        reg_req_i   [NumCores],
  input  logic        reg_we_i    [NumCores],
  input  logic [7:0]  reg_off_i   [NumCores],
  input  logic [31:0] reg_wdata_i [NumCores],
  output logic        reg_gnt_o   [NumCores],
  output logic [31:0] reg_rdata_o [NumCores],

  output logic        tcdm_req_o   [NumPorts],
  output logic        tcdm_we_o    [NumPorts],
  output logic [3:0]  tcdm_be_o    [NumPorts],
  output logic [31:0] tcdm_addr_o  [NumPorts],
  output logic [31:0] tcdm_wdata_o [NumPorts],
  input  logic        tcdm_gnt_i   [NumPorts],
  input  logic [31:0] tcdm_rdata_i [NumPorts],

  output logic [31:0] wm_addr_o  [WmWords],   // the weight memory's read port
  input  logic [31:0] wm_rdata_i [WmWords],

  output logic [NumCores-1:0] done_evt_o,
  output logic        busy_o,          // a job queued or running

  // For halyard-sim (report, timeline, energy; no effect on timing).
  output logic        active_o,        // a job is running
  output logic [31:0] active_id_o,
  output logic [7:0]  active_owner_o,
  output logic [31:0] finished_o,
  output logic [31:0] busy_cycles_o,
  output logic [31:0] stall_cycles_o,
  output logic [63:0] macs_o,
  output logic [31:0] tcdm_words_o,
  output logic [31:0] wm_bytes_o,
  output logic        error_o,
  output logic [7:0]  error_field_o,
  output logic [31:0] error_value_o,
  output logic [31:0] error_job_o
);

  logic        job_valid, job_done, start, perf_clear;
  logic [31:0] job [NumFields];
  logic [31:0] job_id, queued;
  logic [7:0]  job_owner;
  logic        active_q, active_d;

  localparam int unsigned NumFills = NumPorts + WmWords;
  logic        fill_valid [NumFills];
  npu_word_e   fill_kind  [NumFills];
  logic        fill_slot  [NumFills];
  logic [15:0] fill_line  [NumFills], fill_index [NumFills];
  logic [31:0] fill_data  [NumFills];
  logic [31:0] a_fetched, p_fetched, a_consumed, p_consumed;
  logic        out_valid, out_done, compute, stall;
  logic [15:0] out_row, out_panel;
  logic [31:0] out_val [Cols];
  logic [31:0] step_macs, words, wm_words;

  logic [31:0] busy_cycles_q, stall_cycles_q, tcdm_words_q, wm_bytes_q;
  logic [63:0] macs_q;

  halyard_npu_regs #(
    .NumCores   (NumCores),
    .QueueDepth (QueueDepth),
    .MaxK       (MaxK),
    .L1Base     (L1Base),
    .L1Size     (L1Size),
    .WmBase     (WmBase),
    .WmBytes    (WmBytes)
  ) u_regs (
    .clk_i,
    .rst_ni,
    .reg_req_i,
    .reg_we_i,
    .reg_off_i,
    .reg_wdata_i,
    .reg_gnt_o,
    .reg_rdata_o,
    .job_valid_o    (job_valid),
    .job_o          (job),
    .job_id_o       (job_id),
    .job_owner_o    (job_owner),
    .job_done_i     (job_done),
    .busy_cycles_i  (busy_cycles_q),
    .stall_cycles_i (stall_cycles_q),
    .macs_i         (macs_q),
    .tcdm_words_i   (tcdm_words_q),
    .wm_bytes_i     (wm_bytes_q),
    .perf_clear_o   (perf_clear),
    .done_evt_o,
    .finished_o,
    .queued_o       (queued),
    .error_o,
    .error_field_o,
    .error_value_o,
    .error_job_o
  );

  // A job starts the cycle after the previous one finished (or when queued
  // into an idle NPU) and runs until its last output word is written.
  assign start    = !active_q && job_valid;
  assign active_d = start || (active_q && !job_done);

  halyard_npu_streamer #(
    .NumPorts (NumPorts),
    .Cols     (Cols),
    .L1Base   (L1Base),
    .WmBase   (WmBase),
    .WmBytes  (WmBytes),
    .WmWords  (WmWords)
  ) u_streamer (
    .clk_i,
    .rst_ni,
    .start_i      (start),
    .active_i     (active_q),
    .job_i        (job),
    .a_consumed_i (a_consumed),
    .p_consumed_i (p_consumed),
    .a_fetched_o  (a_fetched),
    .p_fetched_o  (p_fetched),
    .out_valid_i  (out_valid),
    .out_row_i    (out_row),
    .out_panel_i  (out_panel),
    .out_val_i    (out_val),
    .out_done_o   (out_done),
    .job_done_o   (job_done),
    .tcdm_req_o,
    .tcdm_we_o,
    .tcdm_be_o,
    .tcdm_addr_o,
    .tcdm_wdata_o,
    .tcdm_gnt_i,
    .tcdm_rdata_i,
    .wm_addr_o,
    .wm_rdata_i,
    .fill_valid_o (fill_valid),
    .fill_kind_o  (fill_kind),
    .fill_slot_o  (fill_slot),
    .fill_line_o  (fill_line),
    .fill_index_o (fill_index),
    .fill_data_o  (fill_data),
    .stall_o      (stall),
    .words_o      (words),
    .wm_words_o   (wm_words)
  );

  halyard_npu_engine #(
    .Cols     (Cols),
    .Lanes    (Lanes),
    .MaxK     (MaxK),
    .NumFills (NumFills)
  ) u_engine (
    .clk_i,
    .rst_ni,
    .start_i      (start),
    .active_i     (active_q),
    .job_i        (job),
    .fill_valid_i (fill_valid),
    .fill_kind_i  (fill_kind),
    .fill_slot_i  (fill_slot),
    .fill_line_i  (fill_line),
    .fill_index_i (fill_index),
    .fill_data_i  (fill_data),
    .a_fetched_i  (a_fetched),
    .p_fetched_i  (p_fetched),
    .a_consumed_o (a_consumed),
    .p_consumed_o (p_consumed),
    .out_valid_o  (out_valid),
    .out_row_o    (out_row),
    .out_panel_o  (out_panel),
    .out_val_o    (out_val),
    .out_done_i   (out_done),
    .compute_o    (compute),
    .step_macs_o  (step_macs)
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      active_q       <= 1'b0;
      busy_cycles_q  <= '0;
      stall_cycles_q <= '0;
      macs_q         <= '0;
      tcdm_words_q   <= '0;
      wm_bytes_q     <= '0;
    end else begin
      active_q <= active_d;
      if (perf_clear) begin
        busy_cycles_q  <= '0;
        stall_cycles_q <= '0;
        macs_q         <= '0;
        tcdm_words_q   <= '0;
        wm_bytes_q     <= '0;
      end else if (active_q) begin
        busy_cycles_q  <= busy_cycles_q + 32'd1;
        stall_cycles_q <= stall_cycles_q + (stall ? 32'd1 : 32'd0);
        macs_q         <= macs_q + 64'(step_macs);
        tcdm_words_q   <= tcdm_words_q + words;
        wm_bytes_q     <= wm_bytes_q + 4 * wm_words;
      end
    end
  end

  assign busy_o         = job_valid;
  assign active_o       = active_q;
  assign active_id_o    = job_id;
  assign active_owner_o = job_owner;
  assign busy_cycles_o  = busy_cycles_q;
  assign stall_cycles_o = stall_cycles_q;
  assign macs_o         = macs_q;
  assign tcdm_words_o   = tcdm_words_q;
  assign wm_bytes_o     = wm_bytes_q;

endmodule
