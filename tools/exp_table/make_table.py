#!/usr/bin/env python3
"""Prints the constants of src/solve/fastexp.rs as exact f64 bit patterns, so they do
not depend on any libm:

- 2^(j/128) for j = 0..127, each correctly rounded (computed with 50 significant
  digits in `decimal`, then rounded once by float(Decimal), which Python guarantees
  to round correctly);
- 128/ln 2, rounded;
- ln 2/128 split in two (Cody and Waite): a high part with its last 21 bits clear, so
  k * high is exact for |k| < 2^21, and the rounded remainder.

Usage: python3 tools/exp_table/make_table.py
"""
from decimal import Decimal, getcontext
import struct


def bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def from_bits(b: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", b))[0]


getcontext().prec = 50
LN2 = Decimal(2).ln()
step = LN2 / 128
high = from_bits(bits(float(step)) & ~((1 << 21) - 1))
low = float(step - Decimal(high))
print(f"const INV_STEP: u64 = 0x{bits(float(Decimal(128) / LN2)):016x}; // 128/ln 2")
print(f"const STEP_HIGH: u64 = 0x{bits(high):016x}; // ln 2/128, high part")
print(f"const STEP_LOW: u64 = 0x{bits(low):016x}; // ln 2/128 - STEP_HIGH")
print("const TABLE: [u64; 128] = [")
for j in range(128):
    print(f"    0x{bits(float((step * j).exp())):016x}, // 2^({j}/128)")
print("];")
