// The cluster: CORES cores, the L1 TCDM, L2, DMA, event unit, the NPU and its
// weight memory (npu.weight_mem_*: a window on the cluster bus) and the
// simulation peripherals (stdout, exit, cycle timer, perf counters). Every
// size, address and latency comes from halyard_target_pkg, generated from
// targets/descriptions/cluster.target.
module halyard_cluster
  import halyard_pkg::*;
  import halyard_target_pkg::*;
#(
  localparam int unsigned NumCores = int'(CORES),
  localparam int unsigned NumPerf  = int'(PERF_COUNTERS),
  localparam int unsigned PerfBits = NumCores * NumPerf * 32
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic [31:0] boot_addr_i,
  input  logic [31:0] tohost_addr_i,   // 0: no tohost symbol

  // Program loading (absolute addresses in L1, L2 or the weight memory) while in reset.
  input  logic        load_we_i,
  input  logic [31:0] load_addr_i,
  input  logic [31:0] load_data_i,

  output logic [NumCores-1:0]   stdout_valid_o,
  output logic [NumCores*8-1:0] stdout_data_o,
  output logic        exit_valid_o,
  output logic [31:0] exit_code_o,
  output logic        tohost_valid_o,
  output logic [31:0] tohost_data_o,
  output logic        fatal_valid_o,
  output logic [7:0]  fatal_core_o,
  output logic [3:0]  fatal_cause_o,
  output logic [31:0] fatal_pc_o,
  output logic [31:0] fatal_addr_o,
  output logic        all_asleep_o,
  output logic [NumCores*32-1:0] core_pc_o,
  output logic [NumCores*32-1:0] core_instr_o,
  output logic [NumCores-1:0]    core_retire_o,
  output logic [PerfBits-1:0]    perf_o,
  output logic [31:0] dma_status_o,
  output logic [31:0] dma_bytes_o,
  output logic [31:0] dma_busy_cycles_o,
  output logic [31:0] tcdm_conflicts_o,
  output logic [63:0] cycles_o,

  // For halyard-sim's timeline and energy model (no effect on timing): each
  // core's activity this cycle (activity_e), its granted L1 / L2 data
  // accesses, barrier waits, the DMA's running transfer, and the region
  // markers generated code writes (sim.region_begin / sim.region_end: the
  // address of the region's name).
  output logic [NumCores*4-1:0]  core_activity_o,
  output logic [NumCores-1:0]    core_l1_access_o,
  output logic [NumCores-1:0]    core_l2_access_o,
  output logic [NumCores-1:0]    barrier_wait_o,
  output logic        dma_active_o,
  output logic [7:0]  dma_active_id_o,
  output logic [7:0]  dma_active_owner_o,
  output logic [31:0] dma_active_src_o,
  output logic [31:0] dma_active_dst_o,
  output logic [NumCores-1:0]    mark_valid_o,
  output logic [NumCores-1:0]    mark_end_o,
  output logic [NumCores*32-1:0] mark_data_o,
  // The memory guard of halyard-sim: every granted L1/L2 data access, each
  // core's stack pointer, the heap tops the runtime's allocator writes
  // (sim.heap_top_l1/_l2, data on mark_data_o), and the fields of a DMA
  // transfer that stopped the run.
  output logic [NumCores-1:0]    core_acc_valid_o,
  output logic [NumCores-1:0]    core_acc_we_o,
  output logic [NumCores*32-1:0] core_acc_addr_o,
  output logic [NumCores*32-1:0] core_sp_o,
  output logic [NumCores-1:0]    heap_valid_o,
  output logic [NumCores-1:0]    heap_l2_o,
  output logic [1:0]  dma_error_cause_o,
  output logic [31:0] dma_active_len_o,
  output logic [31:0] dma_active_rows_o,
  output logic [31:0] dma_active_src_stride_o,
  output logic [31:0] dma_active_dst_stride_o,

  // The NPU (halyard_npu): its running job, perf counters and a bad job.
  output logic        npu_active_o,
  output logic [31:0] npu_active_id_o,
  output logic [7:0]  npu_active_owner_o,
  output logic [31:0] npu_finished_o,
  output logic [31:0] npu_busy_cycles_o,
  output logic [31:0] npu_stall_cycles_o,
  output logic [63:0] npu_macs_o,
  output logic [31:0] npu_tcdm_words_o,
  output logic [31:0] npu_wm_bytes_o,
  output logic        npu_error_o,
  output logic [7:0]  npu_error_field_o,
  output logic [31:0] npu_error_value_o,
  output logic [31:0] npu_error_job_o
);

  localparam logic [31:0] L1Base    = 32'(L1_BASE);
  localparam int unsigned L1Size    = int'(L1_SIZE);
  localparam logic [31:0] L2Base    = 32'(L2_BASE);
  localparam int unsigned L2Size    = int'(L2_SIZE);
  localparam logic [31:0] EuBase    = 32'(EU_BASE);
  localparam logic [31:0] DmaBase   = 32'(DMA_BASE);
  localparam logic [31:0] NpuBase   = 32'(NPU_BASE);
  localparam logic [31:0] StdoutA   = 32'(SIM_STDOUT);
  localparam logic [31:0] ExitA     = 32'(SIM_EXIT);
  localparam logic [31:0] TimerLoA  = 32'(SIM_TIMER_LO);
  localparam logic [31:0] TimerHiA  = 32'(SIM_TIMER_HI);
  localparam logic [31:0] RegionBeginA = 32'(SIM_REGION_BEGIN);
  localparam logic [31:0] RegionEndA   = 32'(SIM_REGION_END);
  localparam logic [31:0] HeapL1A   = 32'(SIM_HEAP_TOP_L1);
  localparam logic [31:0] HeapL2A   = 32'(SIM_HEAP_TOP_L2);
  localparam logic [31:0] PerfBase  = 32'(PERF_BASE);
  localparam int unsigned PerfStride= int'(PERF_STRIDE);
  localparam int unsigned NumNpu    = int'(NPU_TCDM_PORTS);
  localparam logic [31:0] WmBase    = 32'(NPU_WEIGHT_MEM_BASE);
  localparam int unsigned WmBytes   = int'(NPU_WEIGHT_MEM_BYTES);   // 0: no weight memory
  localparam int unsigned WmWords   = int'(NPU_WEIGHT_MEM_PORT_BYTES) / 4;
  localparam int unsigned DmaBeat   = int'(DMA_BYTES_PER_CYCLE);  // bytes per DMA beat
  localparam int unsigned NumDma    = DmaBeat / 4;                // its TCDM ports, one bank word each
  localparam int unsigned NumPrio   = NumDma + NumNpu;
  localparam int unsigned BlockSize = 32'h100;  // EU, DMA and NPU register windows

  // Core-side signals.
  logic [31:0] instr_addr  [NumCores];
  logic [31:0] instr_rdata [NumCores];
  logic        instr_err   [NumCores];
  logic        d_req   [NumCores];
  logic        d_we    [NumCores];
  logic [3:0]  d_be    [NumCores];
  logic [31:0] d_addr  [NumCores];
  logic [31:0] d_wdata [NumCores];
  logic        d_gnt   [NumCores];
  logic [31:0] d_rdata [NumCores];
  stall_e      d_stall [NumCores];
  logic        d_err   [NumCores];
  logic        d_split [NumCores];
  logic        split_bad [NumCores];
  logic [31:0] core_perf [NumCores][NumPerf];
  logic        perf_clear [NumCores];
  logic        halted  [NumCores];
  fatal_e      fatal   [NumCores];
  logic [31:0] pc      [NumCores];
  logic [31:0] sp      [NumCores];
  logic [31:0] f_addr  [NumCores];
  logic        sleeping [NumCores];
  logic        retire   [NumCores];
  activity_e   activity [NumCores];

  // Targets.
  logic        l1_req [NumCores], l2_req [NumCores], eu_req [NumCores], dma_req [NumCores];
  logic        npu_req [NumCores], wm_req [NumCores], wm_gnt [NumCores];
  logic [31:0] wm_addr [NumCores], wm_rdata [NumCores];
  logic [31:0] l1_addr [NumCores], l2_addr [NumCores], l2_fetch [NumCores];
  logic [7:0]  eu_off [NumCores], dma_off [NumCores], npu_off [NumCores];
  logic        l1_gnt [NumCores], l2_gnt [NumCores], eu_gnt [NumCores], dma_gnt [NumCores];
  logic        npu_gnt [NumCores];
  logic [31:0] l1_rdata [NumCores], l2_rdata [NumCores], eu_rdata [NumCores], dma_rdata [NumCores];
  logic [31:0] npu_rdata [NumCores];

  logic        prio_req [NumPrio], prio_we [NumPrio], prio_gnt [NumPrio];
  logic [3:0]  prio_be [NumPrio];
  logic [31:0] prio_addr [NumPrio], prio_wdata [NumPrio], prio_rdata [NumPrio];

  logic [31:0] dma_l2_raddr, dma_l2_waddr;
  logic [8*DmaBeat-1:0] dma_l2_rdata, dma_l2_wdata;
  logic        dma_l2_we, dma_error, dma_busy;
  logic [DmaBeat-1:0]   dma_l2_wbe;
  logic [NumCores-1:0] dma_evt;
  logic        l2_wr_valid;
  logic [31:0] l2_wr_addr, l2_wr_data;
  logic [63:0] cycles_q;

  for (genvar c = 0; c < int'(NumCores); c++) begin : g_core
    halyard_core #(
      .BranchTakenCycles (int'(CORE_BRANCH_TAKEN_CYCLES)),
      .JumpCycles        (int'(CORE_JUMP_CYCLES)),
      .TrapCycles        (int'(CORE_TRAP_CYCLES)),
      .MulhCycles        (int'(CORE_MULH_CYCLES)),
      .LoadUseCycles     (int'(CORE_LOAD_USE_CYCLES)),
      .DivMinCycles      (int'(CORE_DIV_MIN_CYCLES)),
      .NumPerf           (NumPerf)
    ) u_core (
      .clk_i,
      .rst_ni,
      .hart_id_i     (32'(c)),
      .boot_addr_i,
      .instr_addr_o  (instr_addr[c]),
      .instr_rdata_i (instr_rdata[c]),
      .instr_err_i   (instr_err[c]),
      .data_req_o    (d_req[c]),
      .data_we_o     (d_we[c]),
      .data_be_o     (d_be[c]),
      .data_addr_o   (d_addr[c]),
      .data_wdata_o  (d_wdata[c]),
      .data_split_o  (d_split[c]),
      .data_gnt_i    (d_gnt[c]),
      .data_rdata_i  (d_rdata[c]),
      .data_stall_i  (d_stall[c]),
      .data_err_i    (d_err[c]),
      .perf_clear_i  (perf_clear[c]),
      .perf_o        (core_perf[c]),
      .halted_o      (halted[c]),
      .fatal_o       (fatal[c]),
      .pc_o          (pc[c]),
      .sp_o          (sp[c]),
      .fatal_addr_o  (f_addr[c]),
      .sleeping_o    (sleeping[c]),
      .retire_o      (retire[c]),
      .activity_o    (activity[c])
    );
  end

  // Address decoding: which memory or peripheral each core's request goes to.
  always_comb begin
    for (int c = 0; c < int'(NumCores); c++) begin
      l2_fetch[c]  = instr_addr[c] - L2Base;
      instr_err[c] = !(l2_fetch[c] < L2Size);
      l1_addr[c]   = d_addr[c] - L1Base;
      l2_addr[c]   = d_addr[c] - L2Base;
      eu_off[c]    = 8'(d_addr[c] - EuBase);
      dma_off[c]   = 8'(d_addr[c] - DmaBase);
      npu_off[c]   = 8'(d_addr[c] - NpuBase);
      wm_addr[c]   = d_addr[c] - WmBase;
      // The first part of a split (misaligned) access: both words must lie
      // in one memory (L1, L2 or the weight memory), else nothing is
      // accessed and the core stops.
      split_bad[c] = d_req[c] && d_split[c] &&
                     !(l1_addr[c] < L1Size - 4) && !(l2_addr[c] < L2Size - 4) &&
                     !(WmBytes != 0 && wm_addr[c] < WmBytes - 4);
      l1_req[c]    = d_req[c] && !split_bad[c] && (l1_addr[c] < L1Size);
      l2_req[c]    = d_req[c] && !split_bad[c] && (l2_addr[c] < L2Size);
      eu_req[c]    = d_req[c] && !split_bad[c] && ((d_addr[c] - EuBase) < BlockSize);
      dma_req[c]   = d_req[c] && !split_bad[c] && ((d_addr[c] - DmaBase) < BlockSize);
      npu_req[c]   = d_req[c] && !split_bad[c] && ((d_addr[c] - NpuBase) < BlockSize);
      wm_req[c]    = d_req[c] && !split_bad[c] && WmBytes != 0 && (wm_addr[c] < WmBytes);
    end
  end

  // Responses, simulation registers and perf counter reads.
  always_comb begin
    logic [31:0] poff;
    logic [31:0] pcore, pidx;
    poff = '0; pcore = '0; pidx = '0;
    for (int c = 0; c < int'(NumCores); c++) perf_clear[c] = 1'b0;
    stdout_valid_o = '0;
    stdout_data_o  = '0;
    exit_valid_o   = 1'b0;
    exit_code_o    = '0;
    mark_valid_o   = '0;
    mark_end_o     = '0;
    mark_data_o    = '0;
    heap_valid_o   = '0;
    heap_l2_o      = '0;
    for (int c = 0; c < int'(NumCores); c++) begin
      d_gnt[c]   = 1'b1;
      d_rdata[c] = '0;
      d_stall[c] = StallNone;
      d_err[c]   = 1'b0;
      if (split_bad[c]) begin
        d_err[c] = 1'b1;
      end else if (l1_req[c]) begin
        d_gnt[c] = l1_gnt[c]; d_rdata[c] = l1_rdata[c]; d_stall[c] = StallTcdm;
      end else if (l2_req[c]) begin
        d_gnt[c] = l2_gnt[c]; d_rdata[c] = l2_rdata[c]; d_stall[c] = StallL2;
      end else if (wm_req[c]) begin  // a bus access with latency, as L2 (its perf counter)
        d_gnt[c] = wm_gnt[c]; d_rdata[c] = wm_rdata[c]; d_stall[c] = StallL2;
      end else if (eu_req[c]) begin
        d_gnt[c] = eu_gnt[c]; d_rdata[c] = eu_rdata[c]; d_stall[c] = StallSleep;
      end else if (dma_req[c]) begin
        d_gnt[c] = dma_gnt[c]; d_rdata[c] = dma_rdata[c]; d_stall[c] = StallPeriph;
      end else if (npu_req[c]) begin
        d_gnt[c] = npu_gnt[c]; d_rdata[c] = npu_rdata[c]; d_stall[c] = StallPeriph;
      end else if (d_req[c]) begin
        poff = d_addr[c] - PerfBase;
        if (d_addr[c] == StdoutA) begin
          if (d_we[c]) begin
            stdout_valid_o[c] = 1'b1;
            stdout_data_o[8*c +: 8] = d_wdata[c][7:0];
          end
        end else if (d_addr[c] == ExitA) begin
          if (d_we[c] && !exit_valid_o) begin
            exit_valid_o = 1'b1;
            exit_code_o  = d_wdata[c];
          end
        end else if (d_addr[c] == RegionBeginA || d_addr[c] == RegionEndA) begin
          if (d_we[c]) begin
            mark_valid_o[c] = 1'b1;
            mark_end_o[c]   = d_addr[c] == RegionEndA;
            mark_data_o[32*c +: 32] = d_wdata[c];
          end
        end else if (d_addr[c] == HeapL1A || d_addr[c] == HeapL2A) begin
          if (d_we[c]) begin
            heap_valid_o[c] = 1'b1;
            heap_l2_o[c]    = d_addr[c] == HeapL2A;
            mark_data_o[32*c +: 32] = d_wdata[c];
          end
        end else if (d_addr[c] == TimerLoA) begin
          d_rdata[c] = cycles_q[31:0];
        end else if (d_addr[c] == TimerHiA) begin
          d_rdata[c] = cycles_q[63:32];
        end else if (poff < NumCores * PerfStride) begin
          pcore = poff / PerfStride;
          pidx  = (poff % PerfStride) >> 2;
          if (d_we[c]) perf_clear[pcore] = 1'b1;
          else if (pidx < NumPerf) d_rdata[c] = core_perf[pcore][pidx];
        end else begin
          d_err[c] = 1'b1;
        end
      end
    end
  end

  halyard_tcdm #(
    .NumCores  (NumCores),
    .NumPrio   (NumPrio),
    .NumBanks  (int'(L1_BANKS)),
    .SizeBytes (L1Size)
  ) u_tcdm (
    .clk_i,
    .rst_ni,
    .core_req_i   (l1_req),
    .core_we_i    (d_we),
    .core_be_i    (d_be),
    .core_addr_i  (l1_addr),
    .core_wdata_i (d_wdata),
    .core_gnt_o   (l1_gnt),
    .core_rdata_o (l1_rdata),
    .prio_req_i   (prio_req),
    .prio_we_i    (prio_we),
    .prio_be_i    (prio_be),
    .prio_addr_i  (prio_addr),
    .prio_wdata_i (prio_wdata),
    .prio_gnt_o   (prio_gnt),
    .prio_rdata_o (prio_rdata),
    .load_we_i    (load_we_i && ((load_addr_i - L1Base) < L1Size)),
    .load_addr_i  (load_addr_i - L1Base),
    .load_data_i,
    .conflicts_o  (tcdm_conflicts_o)
  );

  halyard_l2 #(
    .NumCores  (NumCores),
    .SizeBytes (L2Size),
    .Latency   (int'(L2_LATENCY)),
    .DmaBeatBytes (DmaBeat)
  ) u_l2 (
    .clk_i,
    .rst_ni,
    .fetch_addr_i  (l2_fetch),
    .fetch_rdata_o (instr_rdata),
    .core_req_i    (l2_req),
    .core_we_i     (d_we),
    .core_be_i     (d_be),
    .core_addr_i   (l2_addr),
    .core_wdata_i  (d_wdata),
    .core_gnt_o    (l2_gnt),
    .core_rdata_o  (l2_rdata),
    .dma_raddr_i   (dma_l2_raddr),
    .dma_rdata_o   (dma_l2_rdata),
    .dma_we_i      (dma_l2_we),
    .dma_waddr_i   (dma_l2_waddr),
    .dma_wdata_i   (dma_l2_wdata),
    .dma_wbe_i     (dma_l2_wbe),
    .load_we_i     (load_we_i && ((load_addr_i - L2Base) < L2Size)),
    .load_addr_i   (load_addr_i - L2Base),
    .load_data_i,
    .wr_valid_o    (l2_wr_valid),
    .wr_addr_o     (l2_wr_addr),
    .wr_data_o     (l2_wr_data)
  );

  // The NPU's weight memory: the engine's wide port, the cores' narrow one.
  logic [31:0] npu_wm_addr [WmWords], npu_wm_rdata [WmWords];
  halyard_npu_weight_mem #(
    .NumCores  (NumCores),
    .SizeBytes (WmBytes),
    .PortWords (WmWords),
    .Latency   (int'(NPU_WEIGHT_MEM_LATENCY))
  ) u_weight_mem (
    .clk_i,
    .rst_ni,
    .npu_addr_i   (npu_wm_addr),
    .npu_rdata_o  (npu_wm_rdata),
    .core_req_i   (wm_req),
    .core_we_i    (d_we),
    .core_be_i    (d_be),
    .core_addr_i  (wm_addr),
    .core_wdata_i (d_wdata),
    .core_gnt_o   (wm_gnt),
    .core_rdata_o (wm_rdata),
    .load_we_i    (load_we_i && WmBytes != 0 && ((load_addr_i - WmBase) < WmBytes)),
    .load_addr_i  (load_addr_i - WmBase),
    .load_data_i
  );

  // The DMA owns priority ports 0..NumDma-1 (it wins a bank over the NPU);
  // the NPU's NumNpu ports follow.
  logic        npu_treq [NumNpu], npu_twe [NumNpu], npu_tgnt [NumNpu];
  logic [3:0]  npu_tbe [NumNpu];
  logic [31:0] npu_taddr [NumNpu], npu_twdata [NumNpu], npu_trdata [NumNpu];
  logic [NumCores-1:0] npu_evt;
  logic        npu_busy;
  logic        dma_treq [NumDma], dma_twe [NumDma];
  logic [3:0]  dma_tbe [NumDma];
  logic [31:0] dma_taddr [NumDma], dma_twdata [NumDma], dma_trdata [NumDma];
  logic        dma_tgnt [NumDma];
  always_comb begin
    for (int p = 0; p < int'(NumPrio); p++) begin
      if (p < int'(NumDma)) begin
        prio_req[p]   = dma_treq[p];
        prio_we[p]    = dma_twe[p];
        prio_be[p]    = dma_tbe[p];
        prio_addr[p]  = dma_taddr[p];
        prio_wdata[p] = dma_twdata[p];
      end else begin
        prio_req[p]   = npu_treq[p - int'(NumDma)];
        prio_we[p]    = npu_twe[p - int'(NumDma)];
        prio_be[p]    = npu_tbe[p - int'(NumDma)];
        prio_addr[p]  = npu_taddr[p - int'(NumDma)];
        prio_wdata[p] = npu_twdata[p - int'(NumDma)];
      end
    end
  end
  always_comb begin
    for (int p = 0; p < int'(NumDma); p++) begin
      dma_tgnt[p]   = prio_gnt[p];
      dma_trdata[p] = prio_rdata[p];
    end
    for (int p = 0; p < int'(NumNpu); p++) begin
      npu_tgnt[p]   = prio_gnt[p + int'(NumDma)];
      npu_trdata[p] = prio_rdata[p + int'(NumDma)];
    end
  end

  halyard_npu #(
    .NumCores   (NumCores),
    .NumPorts   (NumNpu),
    .Cols       (int'(NPU_PE_COLS)),
    .Lanes      (int'(NPU_PE_LANES)),
    .MaxK       (int'(NPU_MAX_K)),
    .QueueDepth (int'(NPU_JOB_QUEUE)),
    .L1Base     (L1Base),
    .L1Size     (L1Size),
    .WmBase     (WmBase),
    .WmBytes    (WmBytes),
    .WmWords    (WmWords)
  ) u_npu (
    .clk_i,
    .rst_ni,
    .reg_req_i      (npu_req),
    .reg_we_i       (d_we),
    .reg_off_i      (npu_off),
    .reg_wdata_i    (d_wdata),
    .reg_gnt_o      (npu_gnt),
    .reg_rdata_o    (npu_rdata),
    .tcdm_req_o     (npu_treq),
    .tcdm_we_o      (npu_twe),
    .tcdm_be_o      (npu_tbe),
    .tcdm_addr_o    (npu_taddr),
    .tcdm_wdata_o   (npu_twdata),
    .tcdm_gnt_i     (npu_tgnt),
    .tcdm_rdata_i   (npu_trdata),
    .wm_addr_o      (npu_wm_addr),
    .wm_rdata_i     (npu_wm_rdata),
    .done_evt_o     (npu_evt),
    .busy_o         (npu_busy),
    .active_o       (npu_active_o),
    .active_id_o    (npu_active_id_o),
    .active_owner_o (npu_active_owner_o),
    .finished_o     (npu_finished_o),
    .busy_cycles_o  (npu_busy_cycles_o),
    .stall_cycles_o (npu_stall_cycles_o),
    .macs_o         (npu_macs_o),
    .tcdm_words_o   (npu_tcdm_words_o),
    .wm_bytes_o     (npu_wm_bytes_o),
    .error_o        (npu_error_o),
    .error_field_o  (npu_error_field_o),
    .error_value_o  (npu_error_value_o),
    .error_job_o    (npu_error_job_o)
  );

  halyard_dma #(
    .NumCores (NumCores),
    .NumSlots (int'(DMA_MAX_OUTSTANDING)),
    .L1Base   (L1Base),
    .L1Size   (L1Size),
    .L2Base   (L2Base),
    .L2Size   (L2Size),
    .Latency  (int'(L2_LATENCY)),
    .BeatBytes(DmaBeat),
    .L2ToL2   (DMA_L2_TO_L2 != 0)
  ) u_dma (
    .clk_i,
    .rst_ni,
    .reg_req_i     (dma_req),
    .reg_we_i      (d_we),
    .reg_off_i     (dma_off),
    .reg_wdata_i   (d_wdata),
    .reg_gnt_o     (dma_gnt),
    .reg_rdata_o   (dma_rdata),
    .tcdm_req_o    (dma_treq),
    .tcdm_we_o     (dma_twe),
    .tcdm_be_o     (dma_tbe),
    .tcdm_addr_o   (dma_taddr),
    .tcdm_wdata_o  (dma_twdata),
    .tcdm_gnt_i    (dma_tgnt),
    .tcdm_rdata_i  (dma_trdata),
    .l2_raddr_o    (dma_l2_raddr),
    .l2_rdata_i    (dma_l2_rdata),
    .l2_we_o       (dma_l2_we),
    .l2_waddr_o    (dma_l2_waddr),
    .l2_wdata_o    (dma_l2_wdata),
    .l2_wbe_o      (dma_l2_wbe),
    .done_evt_o    (dma_evt),
    .error_o       (dma_error),
    .error_cause_o (dma_error_cause_o),
    .busy_o        (dma_busy),
    .status_o      (dma_status_o),
    .bytes_o       (dma_bytes_o),
    .busy_cycles_o (dma_busy_cycles_o),
    .active_o      (dma_active_o),
    .active_id_o   (dma_active_id_o),
    .active_owner_o(dma_active_owner_o),
    .active_src_o  (dma_active_src_o),
    .active_dst_o  (dma_active_dst_o),
    .active_len_o  (dma_active_len_o),
    .active_rows_o (dma_active_rows_o),
    .active_src_stride_o (dma_active_src_stride_o),
    .active_dst_stride_o (dma_active_dst_stride_o)
  );

  halyard_event_unit #(
    .NumCores    (NumCores),
    .NumBarriers (int'(EU_BARRIERS)),
    .EvtSw       (int'(EU_EVENT_SW)),
    .EvtDma      (int'(EU_EVENT_DMA)),
    .EvtNpu      (int'(EU_EVENT_NPU)),
    .EvtBarrier  (int'(EU_EVENT_BARRIER))
  ) u_eu (
    .clk_i,
    .rst_ni,
    .reg_req_i   (eu_req),
    .reg_we_i    (d_we),
    .reg_off_i   (eu_off),
    .reg_wdata_i (d_wdata),
    .reg_gnt_o   (eu_gnt),
    .reg_rdata_o (eu_rdata),
    .dma_evt_i   (dma_evt),
    .npu_evt_i   (npu_evt),
    .barrier_wait_o
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) cycles_q <= '0;
    else         cycles_q <= cycles_q + 64'd1;
  end

  // Status for the simulator.
  always_comb begin
    logic asleep;
    fatal_valid_o = 1'b0;
    fatal_core_o  = '0;
    fatal_cause_o = FatalNone;
    fatal_pc_o    = '0;
    fatal_addr_o  = '0;
    asleep        = !dma_busy && !npu_busy;
    for (int c = int'(NumCores) - 1; c >= 0; c--) begin
      core_pc_o[32*c +: 32]    = pc[c];
      core_instr_o[32*c +: 32] = instr_rdata[c];
      core_retire_o[c]         = retire[c];
      core_activity_o[4*c +: 4] = activity[c];
      core_l1_access_o[c]      = l1_req[c] && l1_gnt[c];
      // A core's weight-memory access goes over the cluster bus like an L2
      // one (energy: an L2 access); the memory guard checks it too.
      core_l2_access_o[c]      = (l2_req[c] && l2_gnt[c]) || (wm_req[c] && wm_gnt[c]);
      core_acc_valid_o[c]      = core_l1_access_o[c] || core_l2_access_o[c];
      core_acc_we_o[c]         = d_we[c];
      core_acc_addr_o[32*c +: 32] = d_addr[c];
      core_sp_o[32*c +: 32]    = sp[c];
      if (halted[c]) begin
        fatal_valid_o = 1'b1;
        fatal_core_o  = 8'(c);
        fatal_cause_o = fatal[c];
        fatal_pc_o    = pc[c];
        fatal_addr_o  = f_addr[c];
      end
      if (!sleeping[c]) asleep = 1'b0;
      for (int i = 0; i < int'(NumPerf); i++) perf_o[32*(c*NumPerf+i) +: 32] = core_perf[c][i];
    end
    if (dma_error) begin
      fatal_valid_o = 1'b1;
      fatal_core_o  = 8'hFF;
      fatal_cause_o = FatalDma;
      fatal_addr_o  = 32'(dma_error_cause_o);
    end
    all_asleep_o   = asleep;
    tohost_valid_o = l2_wr_valid && tohost_addr_i != 32'd0 && l2_wr_addr == tohost_addr_i - L2Base;
    tohost_data_o  = l2_wr_data;
  end

  assign cycles_o = cycles_q;

endmodule
