// Performance counters of one core: every non-halted cycle is attributed to
// exactly one cause (the Perf* indices of halyard_pkg) or to a retired instruction; the cycle in which
// an instruction traps counts as neither. NumPerf is the target's
// perf.counters; the counters past PerfKinds read as 0.
module halyard_perf_counters import halyard_pkg::*; #(
  parameter int unsigned NumPerf = PerfKinds
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        clear_i,
  input  logic        halted_i,

  input  logic        retire_i,      // an instruction retired (not trapped)
  input  logic        ex_stall_i,    // an internal stall held the instruction ...
  input  ex_stall_e   ex_stall_kind_i,  // ... for this reason
  input  logic        mem_wait_i,    // its access was not granted ...
  input  stall_e      mem_stall_i,   // ... for this reason
  input  logic        ex_extra_i,    // a granted access that does not retire (first part of a split one)

  output logic [31:0] perf_o [NumPerf],
  output activity_e   activity_o     // this cycle's cause, as counted
);

  if (NumPerf < PerfKinds) begin : g_too_few_counters
    $error("perf.counters in the target description must be at least %0d", PerfKinds);
  end

  logic [31:0] perf_q [NumPerf];
  logic [31:0] perf_d [NumPerf];

  always_comb begin
    perf_d = perf_q;
    if (clear_i) begin
      for (int i = 0; i < int'(NumPerf); i++) perf_d[i] = '0;
    end else if (!halted_i) begin
      perf_d[PerfCycles] = perf_q[PerfCycles] + 32'd1;
      if (retire_i) perf_d[PerfInstret] = perf_q[PerfInstret] + 32'd1;
      if (ex_stall_i) begin
        unique case (ex_stall_kind_i)
          ExStallBubble:  perf_d[PerfBranch]     = perf_q[PerfBranch] + 32'd1;
          ExStallLoadUse: perf_d[PerfLoadUse]    = perf_q[PerfLoadUse] + 32'd1;
          default:        perf_d[PerfMulticycle] = perf_q[PerfMulticycle] + 32'd1;
        endcase
      end else if (mem_wait_i) begin
        unique case (mem_stall_i)
          StallTcdm:  perf_d[PerfTcdmStall] = perf_q[PerfTcdmStall] + 32'd1;
          StallSleep: perf_d[PerfSleep]     = perf_q[PerfSleep] + 32'd1;
          default:    perf_d[PerfL2Wait]    = perf_q[PerfL2Wait] + 32'd1;
        endcase
      end else if (ex_extra_i) begin
        perf_d[PerfMulticycle] = perf_q[PerfMulticycle] + 32'd1;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int i = 0; i < int'(NumPerf); i++) perf_q[i] <= '0;
    end else begin
      perf_q <= perf_d;
    end
  end

  always_comb begin
    if (halted_i) activity_o = ActHalted;
    else if (ex_stall_i)
      activity_o = ex_stall_kind_i == ExStallBubble ? ActBranch :
                   ex_stall_kind_i == ExStallLoadUse ? ActLoadUse : ActMulticycle;
    else if (mem_wait_i)
      activity_o = mem_stall_i == StallTcdm ? ActTcdm : mem_stall_i == StallSleep ? ActSleep : ActL2;
    else if (ex_extra_i) activity_o = ActMulticycle;
    else if (retire_i) activity_o = ActRetire;
    else activity_o = ActTrap;
  end

  assign perf_o = perf_q;

endmodule
