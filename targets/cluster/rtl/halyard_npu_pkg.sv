// Shared types of the NPU (halyard_npu*.sv): the register map, the job
// fields, the CONF bits and the kinds of TCDM word the streamer moves. The
// geometry (columns, lanes, K limit, queue depth, ports) comes from
// halyard_target_pkg (cluster.target, keys npu.*). docs/npu.md describes the
// engine; runtime/include/halyard_npu.h mirrors this map for C.
package halyard_npu_pkg;

  // Register offsets from npu.base.
  typedef enum logic [7:0] {
    RegTrigger     = 8'h00,  // w: enqueue the staged job (by the core that acquired it)
    RegAcquire     = 8'h04,  // r: lock the staging registers, returns the job id; -1 when the queue is full or locked
    RegFinished    = 8'h08,  // r: jobs finished since reset
    RegStatus      = 8'h0C,  // r: jobs queued or running (0: idle)
    RegRunningJob  = 8'h10,  // r: id of the running job (-1 when idle)
    RegPerfClear   = 8'h14,  // w: clear the perf counters
    RegFinishedId  = 8'h18,  // r: id of the last finished job (-1 before the first)
    RegBusyCycles  = 8'h80,  // r: cycles with a job running
    RegStallCycles = 8'h84,  // r: cycles in which a TCDM request of the NPU was refused (bank taken)
    RegMacsLo      = 8'h88,  // r: useful MACs, low word
    RegMacsHi      = 8'h8C,  // r: high word
    RegTcdmWords   = 8'h90,  // r: 32-bit words read or written on the TCDM
    RegWmemBytes   = 8'h94   // r: bytes read from the weight memory (whole words)
  } npu_reg_e;

  // Job fields: register JobBase + 4 * field.
  localparam logic [7:0] JobBase = 8'h20;
  typedef enum logic [3:0] {
    FieldAPtr      = 4'd0,   // A[M, K] int8/uint8, rows A_STRIDE bytes apart
    FieldBPtr      = 4'd1,   // B[K, N] int8 (or B^T [N, K] with CONF.B_TRANS), rows B_STRIDE apart
    FieldBiasPtr   = 4'd2,   // int32 bias[N], 0: none
    FieldOutPtr    = 4'd3,   // out[M, N]: int8/uint8 with CONF.REQUANT, else int32
    FieldAStride   = 4'd4,
    FieldBStride   = 4'd5,
    FieldOutStride = 4'd6,
    FieldM         = 4'd7,
    FieldK         = 4'd8,
    FieldN         = 4'd9,
    FieldMul       = 4'd10,  // per-tensor multiplier, or pointer to int32 mul[N] with CONF.PER_CHANNEL
    FieldAdd       = 4'd11,  // per-tensor add, or pointer to int32 add[N]
    FieldShift     = 4'd12,  // log2 of the divisor, 0..31
    FieldConf      = 4'd13,  // ConfBit*
    FieldClipLo    = 4'd14,  // output clip, int32 (signed int8: -128, uint8: 0)
    FieldClipHi    = 4'd15   // (signed int8: 127, uint8: 255)
  } npu_field_e;
  localparam int unsigned NumFields = 16;

  localparam int unsigned ConfRequant    = 0;  // requantize to 8 bits (else raw int32 out)
  localparam int unsigned ConfPerChannel = 1;  // MUL/ADD are pointers to per-column arrays
  localparam int unsigned ConfAUnsigned  = 2;  // A is uint8 (else int8)
  localparam int unsigned ConfBTrans     = 3;  // B is stored [N, K]
  localparam int unsigned ConfRound      = 4;  // add 2^(SHIFT-1) before the shift (Deeploy: always)

  // What a word the streamer moves is for.
  typedef enum logic [2:0] {
    WordA    = 3'd0,  // A row bytes 4*index .. 4*index+3
    WordB    = 3'd1,  // panel bytes (B: line k, columns 4*index..; B^T: column line, k 4*index..)
    WordBias = 3'd2,  // one column's bias (index = column in the panel)
    WordMul  = 3'd3,
    WordAdd  = 3'd4,
    WordOut  = 3'd5   // an output word (write)
  } npu_word_e;

endpackage
