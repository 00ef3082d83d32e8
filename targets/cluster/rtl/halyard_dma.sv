// DMA between L2 and L1, and L2 to L2 (with L2ToL2, target key dma.l2_to_l2): 1D and 2D (rows x len bytes, with source and
// destination row strides) transfers, up to NumSlots in flight, each with an
// id. Transfers run one after another in issue-slot order, one beat per
// cycle: a beat moves up to BeatBytes bytes (dma.bytes_per_cycle, 8 on the
// cluster) and touches at most NumPorts = BeatBytes / 4 words on each side
// (n = min(bytes left in the row, BeatBytes - src[1:0], BeatBytes - dst[1:0]),
// so word-aligned copies move BeatBytes B/cycle). A transfer starts after the
// L2 latency. Its L1 side uses NumPorts TCDM priority ports (one 32-bit bank
// word each) and so competes with the cores for banks. An L2 -> L2 transfer
// reads the L2 read port and writes the L2 write port in the same beat and
// touches no bank. Completion: the STATUS bit clears and the issuing core
// gets the DMA event.
//
// Background transfers (ROWS bit 31, RowsBackground): a prefetch that must not
// hold up the cores' small transfers. The engine picks among the foreground
// slots first (round robin) and takes a background slot only when no
// foreground one is valid. A running background transfer yields at a row
// boundary (after a row's last beat, rows remaining) while a foreground slot
// is valid: it writes its progress back into its slot (SRC and DST of the
// next row, the rows left, bit 31 kept) and the engine goes idle, so the
// picker takes the foreground transfer next; resumed later, it pays the L2
// latency again like any start. Its id, owner and STATUS bit stay; it
// completes (event, STATUS) once, at its end. Without background transfers
// the engine's timing is exactly the one-after-another model above.
//
// Registers (offset from dma.base; the staging registers are per core):
//   0x00 SRC  0x04 DST  0x08 LEN (bytes per row)  0x0C SRC_STRIDE
//   0x10 DST_STRIDE  0x14 ROWS (bits 30:0 the row count, 0 or 1: a 1D copy;
//        bit 31: background, see above)
//   0x18 START (read: enqueue the staged transfer, returns its id; the read
//        stalls while all slots are busy)
//   0x1C STATUS (read: bit i set while transfer i is queued or running)
//   0x20 BYTES (total bytes moved)  0x24 BUSY_CYCLES (cycles with work queued)
//   0x28 ACK (write: the issuing core releases finished transfer id wdata;
//        wdata = 0xFFFFFFFF releases all of its finished transfers)
// A finished transfer keeps its id until its issuer acknowledges it, so an id
// a core is waiting on is never handed to another core in the meantime (ids
// are shared by all cores; without this, a core could wait on a recycled id
// whose completion event goes to someone else).
//
// A transfer whose source and destination are not one in L1 and one in L2
// (or both in L2, with L2ToL2), or whose last row ends past the end of its
// memory, stops the simulation
// when it starts (error_o, error_cause_o; the transfer's fields stay on the
// active_* outputs for the message). The active_* outputs show the slot, so a
// resumed background transfer shows the part still to do (the next row's
// SRC/DST, the rows left, bit 31 set).
module halyard_dma #(
  parameter int unsigned NumCores = 8,
  parameter int unsigned NumSlots = 8,
  parameter logic [31:0] L1Base   = 32'h1000_0000,
  parameter int unsigned L1Size   = 262144,
  parameter logic [31:0] L2Base   = 32'h1C00_0000,
  parameter int unsigned L2Size   = 2097152,
  parameter int unsigned Latency  = 10,
  parameter int unsigned BeatBytes = 8,  // a multiple of 4: one 32-bit TCDM word per port
  parameter bit          L2ToL2   = 1'b1,  // L2 -> L2 transfers (dma.l2_to_l2)
  localparam int unsigned NumPorts = BeatBytes / 4
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
  output logic [31:0] tcdm_addr_o  [NumPorts],  // byte offset into L1
  output logic [31:0] tcdm_wdata_o [NumPorts],
  input  logic        tcdm_gnt_i   [NumPorts],
  input  logic [31:0] tcdm_rdata_i [NumPorts],

  output logic [31:0]            l2_raddr_o,   // byte offset into L2
  input  logic [8*BeatBytes-1:0] l2_rdata_i,
  output logic                   l2_we_o,
  output logic [31:0]            l2_waddr_o,
  output logic [8*BeatBytes-1:0] l2_wdata_o,
  output logic [BeatBytes-1:0]   l2_wbe_o,

  output logic [NumCores-1:0] done_evt_o,
  output logic        error_o,
  output logic [1:0]  error_cause_o,     // 1 not L1<->L2 (nor L2->L2), 2 source past its memory, 3 destination past it
  output logic        busy_o,
  output logic [31:0] status_o,
  output logic [31:0] bytes_o,
  output logic [31:0] busy_cycles_o,

  // The transfer being executed (for halyard-sim's timeline; no effect on timing).
  output logic        active_o,
  output logic [7:0]  active_id_o,
  output logic [7:0]  active_owner_o,
  output logic [31:0] active_src_o,
  output logic [31:0] active_dst_o,
  output logic [31:0] active_len_o,
  output logic [31:0] active_rows_o,
  output logic [31:0] active_src_stride_o,
  output logic [31:0] active_dst_stride_o
);

  localparam int unsigned IdBits   = $clog2(NumSlots);
  localparam int unsigned CoreBits = (NumCores > 1) ? $clog2(NumCores) : 1;
  localparam int unsigned NBits    = $clog2(BeatBytes + 1);  // bytes of one beat, 0..BeatBytes
  localparam int unsigned BeBits   = 2 * BeatBytes;          // room for the byte mask before it is cut to a beat
  localparam int unsigned RowsBackground = 31;               // ROWS bit: a background transfer

  if (BeatBytes < 4 || BeatBytes % 4 != 0) begin : g_bad_beat
    $fatal(1, "halyard_dma: BeatBytes (dma.bytes_per_cycle) = %0d must be a multiple of the 4-byte TCDM word", BeatBytes);
  end

  // Per-core staging registers: 0 src, 1 dst, 2 len, 3 src stride, 4 dst stride, 5 rows.
  logic [31:0] stage_q [NumCores][6];
  logic        stage_we    [NumCores];
  logic [2:0]  stage_idx   [NumCores];

  logic [NumSlots-1:0] valid_q, valid_d, fin_mask;
  logic [NumSlots-1:0] done_q, done_d, ack_mask;  // finished, not yet acknowledged
  logic [31:0] slot_q [NumSlots][6];
  logic [CoreBits-1:0] owner_q [NumSlots];
  logic [CoreBits-1:0] alloc_core [NumSlots];  // who takes slot s (with alloc_mask)

  logic              active_q, active_d;
  logic [IdBits-1:0] cur_q, cur_d;
  logic [31:0]       row_q, row_d, off_q, off_d, srow_q, srow_d, drow_q, drow_d;
  logic [5:0]        wait_q, wait_d;
  logic              src_l1_q, src_l1_d;
  logic              l2l2_q, l2l2_d;  // both sides in L2: no TCDM port
  logic              error_q, error_d;
  logic [1:0]        error_cause_q, error_cause_d;
  logic [31:0]       bytes_q, bytes_d, busy_cycles_q;
  logic [NumSlots-1:0] bg_mask;  // valid background slots
  logic [NumSlots-1:0] fg_mask;  // valid foreground slots
  logic              yield_we;   // the running background transfer yields: its progress goes back to its slot
  logic [31:0]       yield_src, yield_dst, yield_rows;

  // Rows of a ROWS register value: bits 30:0 (bit 31 is RowsBackground).
  function automatic logic [31:0] row_count(input logic [31:0] rows);
    logic [31:0] count;
    count = rows;
    count[RowsBackground] = 1'b0;
    return count;
  endfunction

  always_comb begin
    for (int s = 0; s < int'(NumSlots); s++) bg_mask[s] = valid_q[s] && slot_q[s][5][RowsBackground];
    fg_mask = valid_q & ~bg_mask;
  end

  function automatic logic in_l1(input logic [31:0] a);
    return (a - L1Base) < L1Size;
  endfunction
  function automatic logic in_l2(input logic [31:0] a);
    return (a - L2Base) < L2Size;
  endfunction
  // The last byte a side touches lies in the same memory as its first:
  // base + (rows - 1) * stride + len - 1, computed without wrapping.
  function automatic logic ends_inside(input logic [31:0] base, input logic [31:0] stride,
                                       input logic [31:0] rows, input logic [31:0] len);
    logic [63:0] last, mem_base, mem_end;
    if (len == 32'd0) return 1'b1;
    mem_base = in_l1(base) ? 64'(L1Base) : 64'(L2Base);
    mem_end  = mem_base + (in_l1(base) ? 64'(L1Size) : 64'(L2Size));
    last = 64'(base) + ((rows > 32'd1) ? 64'(rows - 32'd1) * 64'(stride) : 64'd0) + 64'(len) - 64'd1;
    return last < mem_end;
  endfunction

  // Register interface and slot allocation: each START takes the lowest free
  // slot (bit trick m & (~m + 1) on the free mask). A slot is free when it is
  // neither queued/running (valid) nor finished-but-unacknowledged (done).
  logic [NumSlots-1:0] alloc_mask;

  always_comb begin
    logic [NumSlots-1:0] avail, pick1;
    avail      = ~(valid_q | done_q);
    alloc_mask = '0;
    ack_mask   = '0;
    pick1      = '0;
    for (int s = 0; s < int'(NumSlots); s++) alloc_core[s] = '0;
    for (int c = 0; c < int'(NumCores); c++) begin
      reg_gnt_o[c]   = reg_req_i[c];
      reg_rdata_o[c] = '0;
      stage_we[c]    = 1'b0;
      stage_idx[c]   = reg_off_i[c][4:2];
      if (reg_req_i[c]) begin
        if (reg_off_i[c] < 8'h18) begin
          stage_we[c]    = reg_we_i[c];
          reg_rdata_o[c] = stage_q[c][reg_off_i[c][4:2]];
        end else if (reg_off_i[c] == 8'h18 && !reg_we_i[c]) begin
          pick1 = avail & (~avail + 1'b1);
          reg_gnt_o[c] = (pick1 != '0);
          for (int s = 0; s < int'(NumSlots); s++) begin
            if (pick1[s]) begin
              reg_rdata_o[c] = 32'(s);
              alloc_core[s]  = CoreBits'(c);
            end
          end
          avail      = avail & ~pick1;
          alloc_mask = alloc_mask | pick1;
        end else if (reg_off_i[c] == 8'h28 && reg_we_i[c]) begin
          for (int s = 0; s < int'(NumSlots); s++) begin
            if (done_q[s] && owner_q[s] == CoreBits'(c) &&
                (reg_wdata_i[c] == 32'hFFFF_FFFF || reg_wdata_i[c] == 32'(s))) begin
              ack_mask[s] = 1'b1;
            end
          end
        end else if (reg_off_i[c] == 8'h1C) begin
          reg_rdata_o[c] = 32'(valid_q);
        end else if (reg_off_i[c] == 8'h20) begin
          reg_rdata_o[c] = bytes_q;
        end else if (reg_off_i[c] == 8'h24) begin
          reg_rdata_o[c] = busy_cycles_q;
        end
      end
    end
  end

  assign valid_d = (valid_q | alloc_mask) & ~fin_mask;
  assign done_d  = (done_q | fin_mask) & ~ack_mask;

  // Transfer engine, in two blocks so that the TCDM request never depends on
  // the TCDM grant: beat_* is the request side, the second block commits.
  logic [31:0]          beat_s, beat_d, beat_len;
  logic [NBits-1:0]     beat_n;
  logic [BeatBytes-1:0] beat_be;
  logic [NumPorts-1:0]  beat_need;  // source words the beat reads (from L1)
  logic                 beat_on;

  always_comb begin
    beat_on    = active_q && (wait_q == 6'd0) && (slot_q[cur_q][2] != 32'd0);
    beat_len   = slot_q[cur_q][2];
    beat_s     = srow_q + off_q;
    beat_d     = drow_q + off_q;
    beat_n     = NBits'(BeatBytes) - NBits'(beat_s[1:0]);
    if (NBits'(BeatBytes) - NBits'(beat_d[1:0]) < beat_n) beat_n = NBits'(BeatBytes) - NBits'(beat_d[1:0]);
    if (beat_len - off_q < 32'(beat_n)) beat_n = NBits'(beat_len - off_q);
    beat_be    = BeatBytes'((BeBits'(1) << beat_n) - BeBits'(1)) << beat_d[1:0];
    for (int p = 0; p < int'(NumPorts); p++) beat_need[p] = (32'(beat_s[1:0]) + 32'(beat_n)) > 32'(4 * p);
    for (int p = 0; p < int'(NumPorts); p++) begin
      tcdm_req_o[p]  = 1'b0;
      tcdm_we_o[p]   = 1'b0;
      tcdm_be_o[p]   = 4'b0;
      tcdm_addr_o[p] = '0;
    end
    l2_raddr_o = {beat_s[31:2], 2'b00} - L2Base;
    if (l2l2_q) begin
      // L2 -> L2: both sides on the L2 ports.
    end else if (src_l1_q) begin
      for (int p = 0; p < int'(NumPorts); p++) begin
        tcdm_req_o[p]  = beat_on && (p == 0 || beat_need[p]);
        tcdm_addr_o[p] = {beat_s[31:2], 2'b00} - L1Base + 32'(4 * p);
      end
    end else begin
      for (int p = 0; p < int'(NumPorts); p++) begin
        tcdm_req_o[p]  = beat_on && (beat_be[4*p +: 4] != 4'b0);
        tcdm_we_o[p]   = 1'b1;
        tcdm_be_o[p]   = beat_be[4*p +: 4];
        tcdm_addr_o[p] = {beat_d[31:2], 2'b00} - L1Base + 32'(4 * p);
      end
    end
  end

  always_comb begin
    logic [8*BeatBytes-1:0] rdata, shifted;
    logic        ok;
    logic [IdBits-1:0] pick;
    logic              found;
    logic [NumSlots-1:0] cand;
    logic [31:0]       rows_cur;

    active_d   = active_q;
    cur_d      = cur_q;
    row_d      = row_q;
    off_d      = off_q;
    srow_d     = srow_q;
    drow_d     = drow_q;
    wait_d     = wait_q;
    src_l1_d   = src_l1_q;
    l2l2_d     = l2l2_q;
    error_d    = error_q;
    error_cause_d = error_cause_q;
    bytes_d    = bytes_q;
    done_evt_o = '0;
    fin_mask   = '0;
    found      = 1'b0;
    pick       = '0;
    yield_we   = 1'b0;
    yield_src  = srow_q + slot_q[cur_q][3];
    yield_dst  = drow_q + slot_q[cur_q][4];
    rows_cur   = row_count(slot_q[cur_q][5]);
    yield_rows = (32'd1 << RowsBackground) | (rows_cur - row_q - 32'd1);
    cand       = (fg_mask != '0) ? fg_mask : bg_mask;
    rdata      = l2_rdata_i;
    if (src_l1_q) for (int p = 0; p < int'(NumPorts); p++) rdata[32*p +: 32] = tcdm_rdata_i[p];
    shifted    = (rdata >> {beat_s[1:0], 3'b000}) << {beat_d[1:0], 3'b000};
    ok         = 1'b1;  // every port the beat requests is granted
    for (int p = 0; p < int'(NumPorts); p++) if (tcdm_req_o[p] && !tcdm_gnt_i[p]) ok = 1'b0;
    for (int p = 0; p < int'(NumPorts); p++) tcdm_wdata_o[p] = shifted[32*p +: 32];
    l2_we_o    = beat_on && (src_l1_q || l2l2_q) && ok;
    l2_waddr_o = {beat_d[31:2], 2'b00} - L2Base;
    l2_wdata_o = shifted;
    l2_wbe_o   = beat_be;

    if (!active_q) begin
      // Round robin from the slot after the last one, modulo NumSlots (which
      // need not be a power of two), over the foreground slots, or the
      // background ones when no foreground slot is valid. Nothing queued: no
      // search (the idle DMA's cost in simulation).
      if (valid_q != '0) for (int i = 1; i <= int'(NumSlots); i++) begin
        if (!found && cand[IdBits'((int'(cur_q) + i) % int'(NumSlots))]) begin
          found = 1'b1;
          pick  = IdBits'((int'(cur_q) + i) % int'(NumSlots));
        end
      end
      if (found) begin
        active_d = 1'b1;
        cur_d    = pick;
        row_d    = '0;
        off_d    = '0;
        srow_d   = slot_q[pick][0];
        drow_d   = slot_q[pick][1];
        wait_d   = 6'(Latency - 1);
        src_l1_d = in_l1(slot_q[pick][0]);
        l2l2_d   = in_l2(slot_q[pick][0]) && in_l2(slot_q[pick][1]);
        if (!((in_l1(slot_q[pick][0]) && in_l2(slot_q[pick][1])) ||
              (in_l2(slot_q[pick][0]) && in_l1(slot_q[pick][1])) ||
              (L2ToL2 && in_l2(slot_q[pick][0]) && in_l2(slot_q[pick][1])))) begin
          error_d = 1'b1;
          error_cause_d = 2'd1;
        end else if (!ends_inside(slot_q[pick][0], slot_q[pick][3], row_count(slot_q[pick][5]), slot_q[pick][2])) begin
          error_d = 1'b1;
          error_cause_d = 2'd2;
        end else if (!ends_inside(slot_q[pick][1], slot_q[pick][4], row_count(slot_q[pick][5]), slot_q[pick][2])) begin
          error_d = 1'b1;
          error_cause_d = 2'd3;
        end
      end
    end else if (wait_q != 6'd0) begin
      wait_d = wait_q - 6'd1;
    end else if (beat_len == 32'd0) begin
      active_d = 1'b0;
      fin_mask[cur_q] = 1'b1;
      done_evt_o[owner_q[cur_q]] = 1'b1;
    end else if (ok) begin
      bytes_d = bytes_q + 32'(beat_n);
      if (off_q + 32'(beat_n) >= beat_len) begin
        off_d  = '0;
        row_d  = row_q + 32'd1;
        srow_d = srow_q + slot_q[cur_q][3];
        drow_d = drow_q + slot_q[cur_q][4];
        if (row_q + 32'd1 >= rows_cur) begin
          active_d = 1'b0;
          fin_mask[cur_q] = 1'b1;
          done_evt_o[owner_q[cur_q]] = 1'b1;
        end else if (slot_q[cur_q][5][RowsBackground] && fg_mask != '0) begin
          // A foreground transfer waits: yield at this row boundary.
          active_d = 1'b0;
          yield_we = 1'b1;
        end
      end else begin
        off_d = off_q + 32'(beat_n);
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int c = 0; c < int'(NumCores); c++) for (int r = 0; r < 6; r++) stage_q[c][r] <= '0;
      for (int s = 0; s < int'(NumSlots); s++) begin
        for (int r = 0; r < 6; r++) slot_q[s][r] <= '0;
        owner_q[s] <= '0;
      end
      valid_q       <= '0;
      done_q        <= '0;
      active_q      <= 1'b0;
      cur_q         <= IdBits'(NumSlots - 1);
      row_q         <= '0;
      off_q         <= '0;
      srow_q        <= '0;
      drow_q        <= '0;
      wait_q        <= '0;
      src_l1_q      <= 1'b0;
      l2l2_q        <= 1'b0;
      error_q       <= 1'b0;
      error_cause_q <= '0;
      bytes_q       <= '0;
      busy_cycles_q <= '0;
    end else begin
      for (int c = 0; c < int'(NumCores); c++) begin
        if (stage_we[c]) stage_q[c][stage_idx[c]] <= reg_wdata_i[c];
      end
      for (int s = 0; s < int'(NumSlots); s++) begin
        if (alloc_mask[s]) begin
          slot_q[s]  <= stage_q[alloc_core[s]];
          owner_q[s] <= alloc_core[s];
        end
      end
      if (yield_we) begin
        slot_q[cur_q][0] <= yield_src;
        slot_q[cur_q][1] <= yield_dst;
        slot_q[cur_q][5] <= yield_rows;
      end
      valid_q       <= valid_d;
      done_q        <= done_d;
      active_q      <= active_d;
      cur_q         <= cur_d;
      row_q         <= row_d;
      off_q         <= off_d;
      srow_q        <= srow_d;
      drow_q        <= drow_d;
      wait_q        <= wait_d;
      src_l1_q      <= src_l1_d;
      l2l2_q        <= l2l2_d;
      error_q       <= error_d;
      error_cause_q <= error_cause_d;
      bytes_q       <= bytes_d;
      busy_cycles_q <= busy_cycles_q + ((valid_q != '0) ? 32'd1 : 32'd0);
    end
  end

  assign error_o       = error_q;
  assign busy_o        = (valid_q != '0);
  assign status_o      = 32'(valid_q);
  assign bytes_o       = bytes_q;
  assign busy_cycles_o = busy_cycles_q;
  assign active_o       = active_q;
  assign active_id_o    = 8'(cur_q);
  assign active_owner_o = 8'(owner_q[cur_q]);
  assign active_src_o   = slot_q[cur_q][0];
  assign active_dst_o   = slot_q[cur_q][1];
  assign active_len_o   = slot_q[cur_q][2];
  assign active_src_stride_o = slot_q[cur_q][3];
  assign active_dst_stride_o = slot_q[cur_q][4];
  assign active_rows_o  = slot_q[cur_q][5];
  assign error_cause_o  = error_cause_q;

endmodule
