// The NPU's register file and job queue (register map: halyard_npu_pkg).
//
// One set of staging registers, locked by ACQUIRE: the read returns a job id
// (a sequence number) to the first core that asks while the staging registers
// are free and the queue has room, and -1 otherwise. That core writes the job
// fields and TRIGGER; the job is checked (shape; A and the output inside L1,
// B, bias, mul and add each wholly inside L1 or wholly inside the weight
// memory; clip range) and joins the queue of QueueDepth jobs (the running one included, so
// with depth 2 the next job is programmed while one runs). Jobs run in order;
// when one finishes, FINISHED counts it, FINISHED_ID holds its id and the core
// that triggered it gets the NPU event. A job that fails its check is not
// queued: error_o stops the simulation, naming the field and its value.
module halyard_npu_regs
  import halyard_npu_pkg::*;
#(
  parameter int unsigned NumCores   = 8,
  parameter int unsigned QueueDepth = 2,
  parameter int unsigned MaxK       = 512,
  parameter int unsigned MaxMN      = 65535,
  parameter logic [31:0] L1Base     = 32'h1000_0000,
  parameter int unsigned L1Size     = 262144,
  parameter logic [31:0] WmBase     = 32'h1D00_0000,
  parameter int unsigned WmBytes    = 0     // 0: no weight memory
) (
  input  logic        clk_i,
  input  logic        rst_ni,

  input  logic        reg_req_i   [NumCores],
  input  logic        reg_we_i    [NumCores],
  input  logic [7:0]  reg_off_i   [NumCores],
  input  logic [31:0] reg_wdata_i [NumCores],
  output logic        reg_gnt_o   [NumCores],
  output logic [31:0] reg_rdata_o [NumCores],

  // The head of the queue, to the engine; job_done_i retires it.
  output logic        job_valid_o,
  output logic [31:0] job_o [NumFields],
  output logic [31:0] job_id_o,
  output logic [7:0]  job_owner_o,
  input  logic        job_done_i,

  // Perf counters (counted in halyard_npu), cleared by PERF_CLEAR.
  input  logic [31:0] busy_cycles_i,
  input  logic [31:0] stall_cycles_i,
  input  logic [63:0] macs_i,
  input  logic [31:0] tcdm_words_i,
  input  logic [31:0] wm_bytes_i,
  output logic        perf_clear_o,

  output logic [NumCores-1:0] done_evt_o,
  output logic [31:0] finished_o,
  output logic [31:0] queued_o,

  output logic        error_o,
  output logic [7:0]  error_field_o,  // npu_field_e of the field that failed
  output logic [31:0] error_value_o,
  output logic [31:0] error_job_o
);

  localparam int unsigned QBits    = (QueueDepth > 1) ? $clog2(QueueDepth) : 1;
  localparam int unsigned CoreBits = (NumCores > 1) ? $clog2(NumCores) : 1;

  logic [31:0]         stage_q [NumFields];
  logic                locked_q, locked_d;
  logic [CoreBits-1:0] lock_core_q, lock_core_d;
  logic [31:0]         lock_id_q, lock_id_d;
  logic [31:0]         next_id_q, next_id_d;

  logic [31:0]         queue_q    [QueueDepth][NumFields];
  logic [31:0]         queue_id_q [QueueDepth];
  logic [7:0]          queue_own_q[QueueDepth];
  logic [QBits-1:0]    head_q, head_d, tail_q, tail_d;
  logic [31:0]         count_q, count_d;
  logic [31:0]         finished_q, finished_d, finished_id_q, finished_id_d;
  logic                push;

  logic                stage_we  [NumCores];
  logic [3:0]          stage_idx [NumCores];

  logic                error_q, error_d;
  logic [7:0]          error_field_q, error_field_d;
  logic [31:0]         error_value_q, error_value_d, error_job_q, error_job_d;

  // The job check: the first failing field and its value, or ok.
  logic        chk_ok;
  logic [7:0]  chk_field;
  logic [31:0] chk_value;

  function automatic logic in_l1(input logic [31:0] ptr, input logic [63:0] bytes);
    logic [63:0] off;
    off = 64'(ptr) - 64'(L1Base);
    return ptr >= L1Base && off + bytes <= 64'(L1Size);
  endfunction

  // A weight operand (B, bias, mul, add): its whole span in L1 or in the
  // weight memory (the streamer picks the port by the base pointer).
  function automatic logic in_l1_or_wm(input logic [31:0] ptr, input logic [63:0] bytes);
    logic [63:0] off;
    off = 64'(ptr) - 64'(WmBase);
    return in_l1(ptr, bytes) || (WmBytes != 0 && ptr >= WmBase && off + bytes <= 64'(WmBytes));
  endfunction

  always_comb begin
    logic [63:0] m1, a_end, b_end, o_end, n4;
    logic        rq, pc;
    logic signed [31:0] lo, hi;
    chk_ok    = 1'b1;
    chk_field = '0;
    chk_value = '0;
    rq = stage_q[FieldConf][ConfRequant];
    pc = stage_q[FieldConf][ConfPerChannel];
    lo = $signed(stage_q[FieldClipLo]);
    hi = $signed(stage_q[FieldClipHi]);
    m1 = 64'(stage_q[FieldM]) - 64'd1;
    n4 = 64'(stage_q[FieldN]) * 64'd4;
    a_end = m1 * 64'(stage_q[FieldAStride]) + 64'(stage_q[FieldK]);
    b_end = stage_q[FieldConf][ConfBTrans]
          ? (64'(stage_q[FieldN]) - 64'd1) * 64'(stage_q[FieldBStride]) + 64'(stage_q[FieldK])
          : (64'(stage_q[FieldK]) - 64'd1) * 64'(stage_q[FieldBStride]) + 64'(stage_q[FieldN]);
    o_end = m1 * 64'(stage_q[FieldOutStride]) + (rq ? 64'(stage_q[FieldN]) : n4);
    // Checked in field order; the first failure is reported.
    if (stage_q[FieldM] == '0 || stage_q[FieldM] > MaxMN) begin
      chk_ok = 1'b0; chk_field = 8'(FieldM);
    end else if (stage_q[FieldK] == '0 || stage_q[FieldK] > MaxK) begin
      chk_ok = 1'b0; chk_field = 8'(FieldK);
    end else if (stage_q[FieldN] == '0 || stage_q[FieldN] > MaxMN) begin
      chk_ok = 1'b0; chk_field = 8'(FieldN);
    end else if (stage_q[FieldAPtr][1:0] != 2'b0 || !in_l1(stage_q[FieldAPtr], a_end)) begin
      chk_ok = 1'b0; chk_field = 8'(FieldAPtr);
    end else if (stage_q[FieldAStride][1:0] != 2'b0) begin
      chk_ok = 1'b0; chk_field = 8'(FieldAStride);
    end else if (stage_q[FieldBPtr][1:0] != 2'b0 || !in_l1_or_wm(stage_q[FieldBPtr], b_end)) begin
      chk_ok = 1'b0; chk_field = 8'(FieldBPtr);
    end else if (stage_q[FieldBStride][1:0] != 2'b0) begin
      chk_ok = 1'b0; chk_field = 8'(FieldBStride);
    end else if (stage_q[FieldOutPtr][1:0] != 2'b0 || !in_l1(stage_q[FieldOutPtr], o_end)) begin
      chk_ok = 1'b0; chk_field = 8'(FieldOutPtr);
    end else if (stage_q[FieldOutStride][1:0] != 2'b0) begin
      chk_ok = 1'b0; chk_field = 8'(FieldOutStride);
    end else if (stage_q[FieldBiasPtr] != '0 &&
                 (stage_q[FieldBiasPtr][1:0] != 2'b0 || !in_l1_or_wm(stage_q[FieldBiasPtr], n4))) begin
      chk_ok = 1'b0; chk_field = 8'(FieldBiasPtr);
    end else if (rq && pc && (stage_q[FieldMul][1:0] != 2'b0 || !in_l1_or_wm(stage_q[FieldMul], n4))) begin
      chk_ok = 1'b0; chk_field = 8'(FieldMul);
    end else if (rq && pc && (stage_q[FieldAdd][1:0] != 2'b0 || !in_l1_or_wm(stage_q[FieldAdd], n4))) begin
      chk_ok = 1'b0; chk_field = 8'(FieldAdd);
    end else if (rq && stage_q[FieldShift] > 32'd31) begin
      chk_ok = 1'b0; chk_field = 8'(FieldShift);
    end else if (rq && (lo < -32'sd128 || lo > 32'sd255)) begin
      chk_ok = 1'b0; chk_field = 8'(FieldClipLo);
    end else if (rq && (hi < lo || hi > 32'sd255 || (lo < 0 && hi > 32'sd127))) begin
      chk_ok = 1'b0; chk_field = 8'(FieldClipHi);
    end
    chk_value = stage_q[chk_field[3:0]];
  end

  always_comb begin
    logic [7:0] off;
    locked_d      = locked_q;
    lock_core_d   = lock_core_q;
    lock_id_d     = lock_id_q;
    next_id_d     = next_id_q;
    push          = 1'b0;
    perf_clear_o  = 1'b0;
    error_d       = error_q;
    error_field_d = error_field_q;
    error_value_d = error_value_q;
    error_job_d   = error_job_q;
    for (int c = 0; c < int'(NumCores); c++) begin
      off            = reg_off_i[c];
      reg_gnt_o[c]   = reg_req_i[c];
      reg_rdata_o[c] = '0;
      stage_we[c]    = 1'b0;
      stage_idx[c]   = off[5:2];
      if (reg_req_i[c]) begin
        if (off >= JobBase && off < JobBase + 8'(4 * NumFields)) begin
          stage_we[c]    = reg_we_i[c];
          stage_idx[c]   = 4'((off - JobBase) >> 2);
          reg_rdata_o[c] = stage_q[4'((off - JobBase) >> 2)];
        end else begin
          unique case (off)
            RegAcquire: if (!reg_we_i[c]) begin
              if (!locked_d && count_q < QueueDepth) begin
                locked_d       = 1'b1;
                lock_core_d    = CoreBits'(c);
                lock_id_d      = next_id_q;
                next_id_d      = next_id_q + 32'd1;
                reg_rdata_o[c] = next_id_q;
              end else begin
                reg_rdata_o[c] = 32'hFFFF_FFFF;
              end
            end
            RegTrigger: if (reg_we_i[c] && locked_q && lock_core_q == CoreBits'(c)) begin
              locked_d = 1'b0;
              if (chk_ok) begin
                push = 1'b1;
              end else if (!error_q) begin
                error_d       = 1'b1;
                error_field_d = chk_field;
                error_value_d = chk_value;
                error_job_d   = lock_id_q;
              end
            end
            RegFinished:    reg_rdata_o[c] = finished_q;
            RegStatus:      reg_rdata_o[c] = count_q;
            RegRunningJob:  reg_rdata_o[c] = job_valid_o ? queue_id_q[head_q] : 32'hFFFF_FFFF;
            RegFinishedId:  reg_rdata_o[c] = finished_id_q;
            RegPerfClear:   if (reg_we_i[c]) perf_clear_o = 1'b1;
            RegBusyCycles:  reg_rdata_o[c] = busy_cycles_i;
            RegStallCycles: reg_rdata_o[c] = stall_cycles_i;
            RegMacsLo:      reg_rdata_o[c] = macs_i[31:0];
            RegMacsHi:      reg_rdata_o[c] = macs_i[63:32];
            RegTcdmWords:   reg_rdata_o[c] = tcdm_words_i;
            RegWmemBytes:   reg_rdata_o[c] = wm_bytes_i;
            default: ;
          endcase
        end
      end
    end
  end

  // Queue bookkeeping: push at the tail, the engine retires the head.
  always_comb begin
    head_d        = head_q;
    tail_d        = tail_q;
    count_d       = count_q;
    finished_d    = finished_q;
    finished_id_d = finished_id_q;
    done_evt_o    = '0;
    if (push) begin
      tail_d  = (tail_q == QBits'(QueueDepth - 1)) ? '0 : tail_q + 1'b1;
      count_d = count_d + 32'd1;
    end
    if (job_done_i) begin
      head_d        = (head_q == QBits'(QueueDepth - 1)) ? '0 : head_q + 1'b1;
      count_d       = count_d - 32'd1;
      finished_d    = finished_q + 32'd1;
      finished_id_d = queue_id_q[head_q];
      done_evt_o[queue_own_q[head_q][CoreBits-1:0]] = 1'b1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int f = 0; f < int'(NumFields); f++) stage_q[f] <= '0;
      for (int q = 0; q < int'(QueueDepth); q++) begin
        for (int f = 0; f < int'(NumFields); f++) queue_q[q][f] <= '0;
        queue_id_q[q]  <= '0;
        queue_own_q[q] <= '0;
      end
      locked_q      <= 1'b0;
      lock_core_q   <= '0;
      lock_id_q     <= '0;
      next_id_q     <= '0;
      head_q        <= '0;
      tail_q        <= '0;
      count_q       <= '0;
      finished_q    <= '0;
      finished_id_q <= 32'hFFFF_FFFF;
      error_q       <= 1'b0;
      error_field_q <= '0;
      error_value_q <= '0;
      error_job_q   <= '0;
    end else begin
      for (int c = 0; c < int'(NumCores); c++) begin
        if (stage_we[c]) stage_q[stage_idx[c]] <= reg_wdata_i[c];
      end
      if (push) begin
        queue_q[tail_q]     <= stage_q;
        queue_id_q[tail_q]  <= lock_id_q;
        queue_own_q[tail_q] <= 8'(lock_core_q);
      end
      locked_q      <= locked_d;
      lock_core_q   <= lock_core_d;
      lock_id_q     <= lock_id_d;
      next_id_q     <= next_id_d;
      head_q        <= head_d;
      tail_q        <= tail_d;
      count_q       <= count_d;
      finished_q    <= finished_d;
      finished_id_q <= finished_id_d;
      error_q       <= error_d;
      error_field_q <= error_field_d;
      error_value_q <= error_value_d;
      error_job_q   <= error_job_d;
    end
  end

  assign job_valid_o   = count_q != '0;
  assign job_o         = queue_q[head_q];
  assign job_id_o      = queue_id_q[head_q];
  assign job_owner_o   = queue_own_q[head_q];
  assign finished_o    = finished_q;
  assign queued_o      = count_q;
  assign error_o       = error_q;
  assign error_field_o = error_field_q;
  assign error_value_o = error_value_q;
  assign error_job_o   = error_job_q;

endmodule
