#!/usr/bin/env python3
"""make_big_input.py KIND N OUT: regression inputs too big to commit, written
at test time (the fuzz targets' replay tests run them with a time or memory
limit).

  onnx-reversed-chain N   an ONNX graph of N Identity nodes listed last to
                          first (sorting them was quadratic: minutes at 80k)
  npz-shared-entry N      an .npz whose central directory lists one deflated
                          1 MiB entry N times (each inflated again: GBs from
                          a 150 KB file)
"""
import struct
import sys
import zlib


def varint(n):
    out = b''
    while True:
        b, n = n & 0x7F, n >> 7
        if not n:
            return out + bytes([b])
        out += bytes([b | 0x80])


def field(number, payload):  # protobuf: varint (int) or length-delimited (bytes)
    if isinstance(payload, int):
        return varint(number << 3) + varint(payload)
    return varint((number << 3) | 2) + varint(len(payload)) + payload


def onnx_reversed_chain(n):
    nodes = b''.join(field(1, field(1, b't%d' % i) + field(2, b't%d' % (i + 1)) + field(4, b'Identity'))
                     for i in reversed(range(n)))
    graph = nodes + field(2, b'chain') + field(11, field(1, b't0')) + field(12, field(1, b't%d' % n))
    return field(1, 7) + field(7, graph)  # ModelProto: ir_version, graph


def npz_shared_entry(n):
    header = "{'descr': '|i1', 'fortran_order': False, 'shape': (1048576,), }"
    header += ' ' * ((64 - (10 + len(header) + 1) % 64) % 64) + '\n'
    body = b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header.encode() + bytes(1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = deflate.compress(body) + deflate.flush()
    crc, name = zlib.crc32(body), b'a.npy'
    local = struct.pack('<IHHHHHIIIHH', 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), len(body), len(name), 0)
    entry = struct.pack('<IHHHHHHIIIHHHHHII', 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), len(body),
                        len(name), 0, 0, 0, 0, 0, 0) + name  # every entry at local offset 0
    local += name + data
    end = struct.pack('<IHHHHIIH', 0x06054B50, 0, 0, n, n, len(entry) * n, len(local), 0)
    return local + entry * n + end


if __name__ == '__main__':
    kind, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    make = {'onnx-reversed-chain': onnx_reversed_chain, 'npz-shared-entry': npz_shared_entry}[kind]
    with open(out, 'wb') as f:
        f.write(make(n))
